// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {InferenceEscrow} from "../src/InferenceEscrow.sol";

/// @title ReentrantAgent
/// @notice Test-only: acts as a requester or provider of an `InferenceEscrow` job and, the first
///         time it receives ETH, tries to re-enter the escrow (`withdraw` and `refund` of the stored
///         job). It never reverts on receipt unless told to reject payments, which also makes it a
///         requester that cannot take ETH (it must name another receiver to be refunded).
contract ReentrantAgent {
    /// @notice The escrow this agent talks to.
    InferenceEscrow public immutable escrow;

    /// @notice How many payments this agent received.
    uint256 public receivedCount;
    /// @notice The total wei this agent received.
    uint256 public receivedTotal;
    /// @notice How many re-entry calls were attempted.
    uint256 public reentryAttempts;
    /// @notice Whether any re-entry call succeeded (it must not).
    bool public reentrySucceeded;
    /// @notice When true, `receive` reverts.
    bool public rejectPayments;

    /// @dev Set on the first payment; re-entry is attempted only once.
    bool private _reentered;
    /// @dev The re-entry target: the last job opened or submitted through this agent.
    uint64 private _jobId;

    /// @notice Raised by `receive` while `rejectPayments` is set.
    error PaymentRejected();

    /// @notice Creates the agent.
    /// @param escrow_ The escrow to use.
    constructor(InferenceEscrow escrow_) {
        escrow = escrow_;
    }

    /// @notice Opens an ETH job with this agent as the requester, paying `msg.value`.
    /// @param keyHash The published key.
    /// @param commitment The input commitment.
    /// @param deadline The job's deadline.
    /// @return jobId The new job's id (also stored as the re-entry target).
    function openJob(bytes32 keyHash, uint256 commitment, uint64 deadline)
        external
        payable
        returns (uint64 jobId)
    {
        jobId = escrow.openJob{value: msg.value}(keyHash, commitment, deadline, address(0), uint96(msg.value), "");
        _jobId = jobId;
    }

    /// @notice Submits a result with this agent as the provider (the proof must bind this
    ///         contract's address).
    /// @param jobId The job's id.
    /// @param proof The proof.
    /// @param outputs The outputs.
    function submit(uint64 jobId, uint256[] calldata proof, uint256[] calldata outputs) external {
        _jobId = jobId;
        escrow.submitResult(jobId, proof, outputs);
    }

    /// @notice Withdraws the stored job's payment to `to` (this agent's provider side).
    /// @param to The receiver.
    function withdraw(address to) external {
        uint64[] memory ids = new uint64[](1);
        ids[0] = _jobId;
        escrow.withdraw(ids, to);
    }

    /// @notice Asks for the stored job's refund to `to` (this agent's requester side).
    /// @param to The receiver.
    function refund(address to) external {
        escrow.refund(_jobId, to);
    }

    /// @notice Makes `receive` revert (true) or accept (false) payments.
    /// @param reject Whether to reject payments.
    function setRejectPayments(bool reject) external {
        rejectPayments = reject;
    }

    /// @notice Records the payment and, once, tries to re-enter the escrow; swallows the failures.
    receive() external payable {
        if (rejectPayments) revert PaymentRejected();
        ++receivedCount;
        receivedTotal += msg.value;
        if (_reentered) return;
        _reentered = true;

        uint64[] memory ids = new uint64[](1);
        ids[0] = _jobId;
        ++reentryAttempts;
        try escrow.withdraw(ids, address(this)) {
            reentrySucceeded = true;
        } catch {}
        ++reentryAttempts;
        try escrow.refund(_jobId, address(this)) {
            reentrySucceeded = true;
        } catch {}
    }
}
