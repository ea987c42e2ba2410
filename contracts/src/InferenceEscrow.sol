// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Groth16Verifier} from "./Groth16Verifier.sol";
import {IERC20Minimal} from "./IERC20Minimal.sol";

/// @title InferenceEscrow
/// @notice Holds a requester's payment (ETH or an ERC-20 token) for one inference job and lets the
///         first provider who proves the model's output on the committed input before the deadline
///         withdraw it; an unclaimed payment goes back to the requester.
/// @dev Why a job pays only for a proof under the requester's own key:
///      1. `openJob` pins `keyHash = keccak256(abi.encodePacked(modelId, transcriptHash, vk))`, which the requester
///         computes from its own verifying key file. The key must have been published here;
///         `publishKey` computed that hash from the very bytes it validated and stored.
///      2. Verification is this contract's own code (inherited from `Groth16Verifier`), not an
///         external contract named by anyone: there is no registry, owner or verifier address to
///         squat or swap. The key bytes are read from a data contract this contract created, whose
///         code cannot change. So the job accepts exactly the proofs valid under the pinned key,
///         for as long as it is open. A requester checks once that the escrow's runtime code is the
///         audited artifact (`zkinfer request` does, before paying).
///      The public inputs are `[inputCommitment, binding, outputs...]`, built here from the job and
///      the caller: `binding = uint256(keccak256(abi.encode(block.chainid, address(this), jobId,
///      msg.sender))) >> 8`, so a proof pays one provider, for one job, on one escrow and one chain.
///      Under a lookup-mode key the verifier appends the challenge, hashed from the proof's round-1
///      commitment and these inputs, so the challenge too is bound to the job and the provider.
///      Payments and refunds are pulled (`withdraw`, `refund`) to an address the caller names, so a
///      receiver that reverts locks nothing.
contract InferenceEscrow is Groth16Verifier {
    /// @dev Index of the input commitment among the public inputs.
    uint256 internal constant INPUT_COMMITMENT_INDEX = 0;
    /// @dev Index of the (chain, escrow, job, provider) binding among the public inputs.
    uint256 internal constant BINDING_INDEX = 1;
    /// @dev Index of the first model output among the public inputs.
    uint256 internal constant OUTPUTS_OFFSET = 2;
    /// @dev Low bits of the keccak256 digest dropped to make the binding (248 bits remain, < R).
    uint256 internal constant BINDING_DROP_BITS = 8;
    /// @notice The latest deadline a job may have, counted from its opening.
    uint64 public constant MAX_DEADLINE_WINDOW = 30 days;
    /// @notice How long a cancelled job still accepts results (so a requester cannot read a
    ///         provider's outputs from the mempool and cancel in front of its transaction).
    uint64 public constant CANCEL_NOTICE = 10 minutes;

    /// @notice A job's state.
    enum Status {
        None,
        Open,
        Paid,
        Withdrawn,
        Refunded
    }

    /// @notice One inference job.
    /// @dev Storage: `provider`, `deadline` and `status` share a slot, as do `token` and `amount`,
    ///      so settling a job rewrites one already-nonzero slot.
    /// @param provider Whose proof was accepted (zero until then).
    /// @param deadline Last timestamp (inclusive) at which a result may be submitted.
    /// @param status The job's state.
    /// @param token The ERC-20 token paid, or zero for ETH.
    /// @param amount The amount escrowed (wei or token units).
    /// @param requester Who paid, and who may cancel and be refunded.
    /// @param keyHash The verifying key a proof must be valid under.
    /// @param inputCommitment The commitment to the input the proof must be about.
    struct Job {
        address provider;
        uint64 deadline;
        Status status;
        address token;
        uint96 amount;
        address requester;
        bytes32 keyHash;
        uint256 inputCommitment;
    }

    /// @notice The id the next job will get; ids start at 1.
    uint64 public nextJobId = 1;

    /// @dev Jobs by id; `status == Status.None` means no such job.
    mapping(uint64 jobId => Job job) private _jobs;

    /// @dev The reentrancy lock (EIP-1153 transient storage: cleared at the end of every transaction).
    bool private transient _locked;

    /// @notice A job was opened.
    /// @param jobId The job's id.
    /// @param keyHash The verifying key a proof must be valid under.
    /// @param requester Who paid.
    /// @param modelId The model the key was published for.
    /// @param token The token paid, or zero for ETH.
    /// @param amount The amount escrowed.
    /// @param inputCommitment The commitment to the input.
    /// @param deadline Last timestamp (inclusive) at which a result may be submitted.
    /// @param input Opaque data for providers (the input or where to get it); not stored.
    event JobOpened(
        uint64 indexed jobId,
        bytes32 indexed keyHash,
        address indexed requester,
        bytes32 modelId,
        address token,
        uint256 amount,
        uint256 inputCommitment,
        uint64 deadline,
        bytes input
    );
    /// @notice A job's result was proven; its provider may withdraw the payment.
    /// @param jobId The job's id.
    /// @param provider Who proved the result.
    /// @param amount The amount earned.
    /// @param outputs The model's outputs (the public inputs after the first `OUTPUTS_OFFSET`).
    /// @param proof The accepted proof words (8 for a plain key, 10 for a lookup key, as
    ///        `submitResult` took them), so a requester can verify it again off chain.
    event JobCompleted(
        uint64 indexed jobId, address indexed provider, uint256 amount, uint256[] outputs, uint256[] proof
    );
    /// @notice The requester cancelled a job: results are accepted until the new deadline.
    /// @param jobId The job's id.
    /// @param deadline The job's deadline now.
    event JobCancelled(uint64 indexed jobId, uint64 deadline);
    /// @notice An expired job's payment went back to its requester.
    /// @param jobId The job's id.
    /// @param requester The requester.
    /// @param to Where the payment was sent.
    /// @param amount The amount refunded.
    event JobRefunded(uint64 indexed jobId, address indexed requester, address to, uint256 amount);
    /// @notice A provider withdrew a job's payment.
    /// @param jobId The job's id.
    /// @param provider The provider.
    /// @param to Where the payment was sent.
    /// @param amount The amount withdrawn.
    event PaymentWithdrawn(uint64 indexed jobId, address indexed provider, address to, uint256 amount);

    /// @notice The amount is zero, or `msg.value` does not match it (ETH) or is not zero (token).
    /// @param amount The amount given.
    /// @param value The ETH sent.
    error BadPayment(uint256 amount, uint256 value);
    /// @notice The deadline is not in the future or lies beyond `MAX_DEADLINE_WINDOW`.
    /// @param deadline The deadline given.
    /// @param nowTs The current block timestamp.
    error BadDeadline(uint64 deadline, uint256 nowTs);
    /// @notice The input commitment is not below the scalar field modulus.
    error CommitmentNotInField();
    /// @notice The token address holds no contract.
    /// @param token The token given.
    error NotAToken(address token);
    /// @notice The escrow received another amount than the requester sent (a fee-on-transfer or
    ///         rebasing token): such tokens are refused.
    /// @param expected The amount sent.
    /// @param received The amount the escrow's balance grew by.
    error TokenAmountMismatch(uint256 expected, uint256 received);
    /// @notice A token transfer reverted or returned false.
    /// @param token The token.
    error TokenTransferFailed(address token);
    /// @notice No job has this id.
    /// @param jobId The id given.
    error UnknownJob(uint64 jobId);
    /// @notice The job is not in the state the call needs.
    /// @param jobId The job's id.
    /// @param status The job's status.
    error WrongStatus(uint64 jobId, Status status);
    /// @notice The job's deadline has passed; results are no longer accepted.
    /// @param jobId The job's id.
    /// @param deadline The job's deadline.
    error DeadlinePassed(uint64 jobId, uint64 deadline);
    /// @notice The job's deadline has not passed yet; it cannot be refunded.
    /// @param jobId The job's id.
    /// @param deadline The job's deadline.
    error DeadlineNotReached(uint64 jobId, uint64 deadline);
    /// @notice The caller is not the job's requester (cancel, refund) or provider (withdraw).
    /// @param jobId The job's id.
    error NotAllowed(uint64 jobId);
    /// @notice The proof is not valid under the job's key for this job, caller and outputs.
    /// @param jobId The job's id.
    error InvalidProof(uint64 jobId);
    /// @notice Sending ETH to the named receiver failed (name another receiver).
    error PaymentFailed();
    /// @notice A guarded function was re-entered.
    error Reentrancy();

    /// @dev Rejects re-entry into any guarded function (lock held in transient storage).
    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @notice Opens a job, escrowing `amount` of `token` (zero: ETH, sent as `msg.value`) for
    ///         whoever first proves the output of the model under key `keyHash` on the committed input.
    /// @param keyHash A published key (`publishKey`): the requester's own verifying key.
    /// @param inputCommitment The commitment to the input; below the scalar field modulus.
    /// @param deadline Last timestamp (inclusive) at which a result may be submitted; in the future
    ///        and at most `MAX_DEADLINE_WINDOW` away.
    /// @param token The ERC-20 token to pay in, or zero for ETH. Tokens that return no value are
    ///        accepted; tokens that deliver less than `amount` (fees, rebasing) are refused.
    /// @param amount The payment (wei for ETH; below 2^96).
    /// @param input Opaque data for providers, only emitted in `JobOpened`.
    /// @return jobId The new job's id.
    function openJob(
        bytes32 keyHash,
        uint256 inputCommitment,
        uint64 deadline,
        address token,
        uint96 amount,
        bytes calldata input
    )
        external
        payable
        nonReentrant
        returns (uint64 jobId)
    {
        KeyRecord storage key = _keys[keyHash];
        if (key.data == address(0)) revert UnknownKey(keyHash);
        if (deadline <= block.timestamp || deadline > block.timestamp + MAX_DEADLINE_WINDOW) {
            revert BadDeadline(deadline, block.timestamp);
        }
        if (inputCommitment >= R) revert CommitmentNotInField();
        if (amount == 0) revert BadPayment(amount, msg.value);
        if (token == address(0)) {
            if (msg.value != amount) revert BadPayment(amount, msg.value);
        } else {
            if (msg.value != 0) revert BadPayment(amount, msg.value);
            _pullToken(token, amount);
        }

        jobId = nextJobId++;
        _jobs[jobId] = Job({
            provider: address(0),
            deadline: deadline,
            status: Status.Open,
            token: token,
            amount: amount,
            requester: msg.sender,
            keyHash: keyHash,
            inputCommitment: inputCommitment
        });
        emit JobOpened(jobId, keyHash, msg.sender, key.modelId, token, amount, inputCommitment, deadline, input);
    }

    /// @notice Submits a proof of the job's output; on success the caller may withdraw the payment.
    /// @dev The proof must be made for the binding
    ///      `uint256(keccak256(abi.encode(block.chainid, address(this), jobId, msg.sender))) >> 8`.
    ///      Makes no external call (verification runs here, on precompiles only).
    /// @param jobId The job's id.
    /// @param proof The proof, in `IZkinferVerifier` encoding: 8 words under a plain key, 10 (with
    ///        the round-1 commitment) under a lookup key.
    /// @param outputs The model's outputs, as the proof's public inputs after the first two.
    function submitResult(uint64 jobId, uint256[] calldata proof, uint256[] calldata outputs) external {
        Job storage job = _jobs[jobId];
        _requireStatus(jobId, job.status, Status.Open);
        uint64 deadline = job.deadline;
        if (block.timestamp > deadline) revert DeadlinePassed(jobId, deadline);

        uint256 commitment = job.inputCommitment;
        uint256 bound = binding(jobId, msg.sender);
        // [commitment, binding, outputs...], the outputs copied straight from calldata.
        uint256[] memory publicInputs;
        assembly ("memory-safe") {
            publicInputs := mload(0x40)
            mstore(publicInputs, add(OUTPUTS_OFFSET, outputs.length))
            mstore(add(publicInputs, shl(5, add(INPUT_COMMITMENT_INDEX, 1))), commitment)
            mstore(add(publicInputs, shl(5, add(BINDING_INDEX, 1))), bound)
            let first := add(publicInputs, shl(5, add(OUTPUTS_OFFSET, 1)))
            calldatacopy(first, outputs.offset, shl(5, outputs.length))
            mstore(0x40, add(first, shl(5, outputs.length)))
        }
        if (!_verifyProof(job.keyHash, proof, publicInputs)) revert InvalidProof(jobId);

        job.status = Status.Paid;
        job.provider = msg.sender;
        emit JobCompleted(jobId, msg.sender, job.amount, outputs, proof);
    }

    /// @notice Sends the payments of jobs the caller proved to `to`.
    /// @param jobIds Jobs in state `Paid` whose provider is the caller.
    /// @param to The receiver (any address; the caller's choice).
    function withdraw(uint64[] calldata jobIds, address to) external nonReentrant {
        for (uint256 i; i < jobIds.length; ++i) {
            uint64 jobId = jobIds[i];
            Job storage job = _jobs[jobId];
            _requireStatus(jobId, job.status, Status.Paid);
            if (job.provider != msg.sender) revert NotAllowed(jobId);
            job.status = Status.Withdrawn;
            emit PaymentWithdrawn(jobId, msg.sender, to, job.amount);
            _send(job.token, to, job.amount);
        }
    }

    /// @notice The requester withdraws its offer: the job still accepts results for
    ///         `CANCEL_NOTICE` (or until its deadline, if sooner), then `refund` returns the payment.
    /// @param jobId An open job of the caller's.
    function cancel(uint64 jobId) external {
        Job storage job = _jobs[jobId];
        _requireStatus(jobId, job.status, Status.Open);
        if (job.requester != msg.sender) revert NotAllowed(jobId);
        uint64 notice = uint64(block.timestamp) + CANCEL_NOTICE;
        if (notice < job.deadline) job.deadline = notice;
        emit JobCancelled(jobId, job.deadline);
    }

    /// @notice Sends an expired, unpaid job's payment back; only its requester may ask, naming the
    ///         receiver (so a requester contract that cannot take ETH can still be refunded).
    /// @param jobId An open job of the caller's whose deadline has passed.
    /// @param to The receiver.
    function refund(uint64 jobId, address to) external nonReentrant {
        Job storage job = _jobs[jobId];
        _requireStatus(jobId, job.status, Status.Open);
        if (job.requester != msg.sender) revert NotAllowed(jobId);
        uint64 deadline = job.deadline;
        if (block.timestamp <= deadline) revert DeadlineNotReached(jobId, deadline);

        job.status = Status.Refunded;
        emit JobRefunded(jobId, msg.sender, to, job.amount);
        _send(job.token, to, job.amount);
    }

    /// @notice A job's record (all zero, status `None`, for an unknown id).
    /// @param jobId The job's id.
    /// @return The job.
    function getJob(uint64 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    /// @notice The binding public input a proof for `jobId` submitted by `provider` must carry.
    /// @param jobId The job's id.
    /// @param provider The submitter.
    /// @return `uint256(keccak256(abi.encode(block.chainid, address(this), jobId, provider))) >> 8`.
    function binding(uint64 jobId, address provider) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), jobId, provider))) >> BINDING_DROP_BITS;
    }

    /// @dev Reverts unless `status` is `wanted` (naming an unknown job as such).
    function _requireStatus(uint64 jobId, Status status, Status wanted) private pure {
        if (status == Status.None) revert UnknownJob(jobId);
        if (status != wanted) revert WrongStatus(jobId, status);
    }

    /// @dev Takes exactly `amount` of `token` from the caller, refusing tokens that deliver less.
    function _pullToken(address token, uint256 amount) private {
        if (token.code.length == 0) revert NotAToken(token);
        uint256 before = IERC20Minimal(token).balanceOf(address(this));
        _tokenCall(token, abi.encodeCall(IERC20Minimal.transferFrom, (msg.sender, address(this), amount)));
        uint256 received = IERC20Minimal(token).balanceOf(address(this)) - before;
        if (received != amount) revert TokenAmountMismatch(amount, received);
    }

    /// @dev Sends `amount` of `token` (zero: ETH) to `to`.
    function _send(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert PaymentFailed();
        } else {
            _tokenCall(token, abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        }
    }

    /// @dev Calls a token; succeeds if the call did and returned nothing or `true` (tokens such as
    ///      USDT return no value).
    function _tokenCall(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok || (ret.length != 0 && (ret.length != 32 || abi.decode(ret, (uint256)) != 1))) {
            revert TokenTransferFailed(token);
        }
    }
}
