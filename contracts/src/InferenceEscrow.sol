// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IZkinferVerifier} from "./IZkinferVerifier.sol";
import {ModelRegistry} from "./ModelRegistry.sol";

/// @title InferenceEscrow
/// @notice Holds a requester's payment for one inference job and releases it to the first provider
///         who proves the model's output on the committed input before the deadline; after the
///         deadline an unclaimed payment goes back to the requester.
/// @dev The verifier's public inputs are
///      `[inputCommitment, binding, outputs[0], outputs[1], ...]` where
///      `binding = (jobId << JOB_ID_SHIFT) | uint160(provider)`, so a proof is bound to one job and
///      one provider and cannot be replayed on another job or front-run by another sender.
contract InferenceEscrow {
    /// @dev Index of the input commitment among the verifier's public inputs.
    uint256 internal constant INPUT_COMMITMENT_INDEX = 0;
    /// @dev Index of the (job id, provider) binding among the verifier's public inputs.
    uint256 internal constant BINDING_INDEX = 1;
    /// @dev Index of the first model output among the verifier's public inputs.
    uint256 internal constant OUTPUTS_OFFSET = 2;
    /// @dev The binding input is `(jobId << JOB_ID_SHIFT) | uint160(provider)`.
    uint256 internal constant JOB_ID_SHIFT = 160;
    /// @dev The BN254 scalar field modulus.
    uint256 internal constant SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice A job's state.
    enum Status {
        None,
        Open,
        Paid,
        Refunded
    }

    /// @notice One inference job.
    /// @dev Storage: `provider`, `deadline` and `status` share a slot, so settling a job writes one
    ///      already-nonzero slot instead of filling a fresh one (the provider pays less gas).
    /// @param requester Who paid, and who gets a refund.
    /// @param provider Who was paid (zero until then).
    /// @param deadline Last timestamp (inclusive) at which a result may be submitted.
    /// @param status The job's state.
    /// @param verifier The model's verifier when the job was opened (later registry changes don't apply).
    /// @param modelId The model to run.
    /// @param inputCommitment The commitment to the input the proof must be about.
    /// @param payment The amount escrowed, in wei.
    struct Job {
        address requester;
        address provider;
        uint64 deadline;
        Status status;
        address verifier;
        bytes32 modelId;
        uint256 inputCommitment;
        uint256 payment;
    }

    /// @notice The registry that maps model ids to verifiers.
    ModelRegistry public immutable registry;

    /// @notice The id the next job will get; ids start at 1.
    uint64 public nextJobId = 1;

    /// @dev Jobs by id; `status == Status.None` means no such job.
    mapping(uint64 jobId => Job job) private _jobs;

    /// @dev The reentrancy lock (EIP-1153 transient storage: cleared at the end of every transaction).
    bool private transient _locked;

    /// @notice A job was opened.
    /// @param jobId The job's id.
    /// @param modelId The model to run.
    /// @param requester Who paid.
    /// @param verifier The verifier snapshot for this job.
    /// @param inputCommitment The commitment to the input.
    /// @param payment The amount escrowed, in wei.
    /// @param deadline Last timestamp (inclusive) at which a result may be submitted.
    /// @param input Opaque data for providers (the input or where to get it); not stored.
    event JobOpened(
        uint64 indexed jobId,
        bytes32 indexed modelId,
        address indexed requester,
        address verifier,
        uint256 inputCommitment,
        uint256 payment,
        uint64 deadline,
        bytes input
    );
    /// @notice A job's result was proven and its provider paid.
    /// @param jobId The job's id.
    /// @param provider Who proved the result and was paid.
    /// @param payment The amount paid, in wei.
    /// @param outputs The model's outputs (the public inputs after the first `OUTPUTS_OFFSET`).
    /// @param proof The accepted proof, so a requester can verify it again off chain.
    event JobCompleted(
        uint64 indexed jobId, address indexed provider, uint256 payment, uint256[] outputs, uint256[8] proof
    );
    /// @notice A job expired and its payment went back to the requester.
    /// @param jobId The job's id.
    /// @param requester Who was refunded.
    /// @param payment The amount refunded, in wei.
    event JobRefunded(uint64 indexed jobId, address indexed requester, uint256 payment);

    /// @notice `openJob` was called without ETH.
    error NoPayment();
    /// @notice The deadline is not in the future.
    /// @param deadline The deadline given.
    /// @param nowTs The current block timestamp.
    error DeadlineInPast(uint64 deadline, uint256 nowTs);
    /// @notice The input commitment is not below the scalar field modulus.
    error CommitmentNotInField();
    /// @notice The registry's verifier for the model is not the one the requester expected.
    /// @param expected The verifier the requester named.
    /// @param current The verifier the registry names now.
    error VerifierChanged(address expected, address current);
    /// @notice No job has this id.
    /// @param jobId The id given.
    error UnknownJob(uint64 jobId);
    /// @notice The job is no longer open.
    /// @param jobId The job's id.
    /// @param status The job's status.
    error JobNotOpen(uint64 jobId, Status status);
    /// @notice The job's deadline has passed; results are no longer accepted.
    /// @param jobId The job's id.
    /// @param deadline The job's deadline.
    error DeadlinePassed(uint64 jobId, uint64 deadline);
    /// @notice The job's deadline has not passed yet; it cannot be refunded.
    /// @param jobId The job's id.
    /// @param deadline The job's deadline.
    error DeadlineNotReached(uint64 jobId, uint64 deadline);
    /// @notice The verifier rejected the proof.
    /// @param jobId The job's id.
    error InvalidProof(uint64 jobId);
    /// @notice Sending the payment failed.
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

    /// @notice Creates the escrow.
    /// @param registry_ The model registry to take verifiers from.
    constructor(ModelRegistry registry_) {
        registry = registry_;
    }

    /// @notice Opens a job, escrowing `msg.value` for whoever proves the model's output first.
    /// @param modelId A registered model; its current verifier is fixed for this job.
    /// @param expectedVerifier The verifier the requester checked; the call reverts if the registry
    ///        points elsewhere by the time it executes (a model owner cannot swap the verifier in front
    ///        of a requester's transaction).
    /// @param inputCommitment The commitment to the input; below the scalar field modulus.
    /// @param deadline Last timestamp (inclusive) at which a result may be submitted; in the future.
    /// @param input Opaque data for providers, only emitted in `JobOpened`.
    /// @return jobId The new job's id.
    function openJob(
        bytes32 modelId,
        address expectedVerifier,
        uint256 inputCommitment,
        uint64 deadline,
        bytes calldata input
    )
        external
        payable
        returns (uint64 jobId)
    {
        if (msg.value == 0) revert NoPayment();
        if (deadline <= block.timestamp) revert DeadlineInPast(deadline, block.timestamp);
        if (inputCommitment >= SNARK_SCALAR_FIELD) revert CommitmentNotInField();
        address verifier = registry.verifierOf(modelId);
        if (verifier != expectedVerifier) revert VerifierChanged(expectedVerifier, verifier);

        jobId = nextJobId++;
        _jobs[jobId] = Job({
            requester: msg.sender,
            provider: address(0),
            deadline: deadline,
            status: Status.Open,
            verifier: verifier,
            modelId: modelId,
            inputCommitment: inputCommitment,
            payment: msg.value
        });
        emit JobOpened(jobId, modelId, msg.sender, verifier, inputCommitment, msg.value, deadline, input);
    }

    /// @notice Submits a proof of the job's output; on success pays the job's escrow to the caller.
    /// @dev The proof must be made for the binding `(jobId << 160) | uint160(msg.sender)`.
    /// @param jobId The job's id.
    /// @param proof The Groth16 proof, in `IZkinferVerifier` encoding.
    /// @param outputs The model's outputs, as the proof's public inputs after the first two.
    function submitResult(uint64 jobId, uint256[8] calldata proof, uint256[] calldata outputs)
        external
        nonReentrant
    {
        Job storage job = _jobs[jobId];
        _requireOpen(jobId, job.status);
        uint64 deadline = job.deadline;
        if (block.timestamp > deadline) revert DeadlinePassed(jobId, deadline);

        uint256 n = outputs.length;
        uint256[] memory publicInputs = new uint256[](OUTPUTS_OFFSET + n);
        publicInputs[INPUT_COMMITMENT_INDEX] = job.inputCommitment;
        publicInputs[BINDING_INDEX] = (uint256(jobId) << JOB_ID_SHIFT) | uint256(uint160(msg.sender));
        for (uint256 i; i < n; ++i) {
            publicInputs[OUTPUTS_OFFSET + i] = outputs[i];
        }
        if (!IZkinferVerifier(job.verifier).verifyProof(proof, publicInputs)) revert InvalidProof(jobId);

        job.status = Status.Paid;
        job.provider = msg.sender;
        uint256 payment = job.payment;
        emit JobCompleted(jobId, msg.sender, payment, outputs, proof);

        (bool ok,) = msg.sender.call{value: payment}("");
        if (!ok) revert PaymentFailed();
    }

    /// @notice Returns an expired, unpaid job's escrow to its requester. Anyone may call it.
    /// @param jobId The job's id.
    function refund(uint64 jobId) external nonReentrant {
        Job storage job = _jobs[jobId];
        _requireOpen(jobId, job.status);
        uint64 deadline = job.deadline;
        if (block.timestamp <= deadline) revert DeadlineNotReached(jobId, deadline);

        job.status = Status.Refunded;
        address requester = job.requester;
        uint256 payment = job.payment;
        emit JobRefunded(jobId, requester, payment);

        (bool ok,) = requester.call{value: payment}("");
        if (!ok) revert PaymentFailed();
    }

    /// @notice A job's record (all zero, status `None`, for an unknown id).
    /// @param jobId The job's id.
    /// @return The job.
    function getJob(uint64 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    /// @dev Reverts unless `status` is `Open`.
    function _requireOpen(uint64 jobId, Status status) private pure {
        if (status == Status.None) revert UnknownJob(jobId);
        if (status != Status.Open) revert JobNotOpen(jobId, status);
    }
}
