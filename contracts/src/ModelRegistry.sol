// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IZkinferVerifier} from "./IZkinferVerifier.sol";

/// @title ModelRegistry
/// @notice Maps a model id to its owner, its current verifier and free-form metadata. A verifier
///         can only be registered under the model id it reports, so a verifier for one model cannot
///         stand in for another.
contract ModelRegistry {
    /// @notice A registered model.
    /// @param owner Who may change the model's verifier, metadata and owner.
    /// @param verifier The model's current verifier (an `IZkinferVerifier`).
    /// @param metadata Free-form description (e.g. a URI for the model and its quantization).
    struct Model {
        address owner;
        address verifier;
        string metadata;
    }

    /// @dev Registered models by id; `owner == address(0)` means not registered.
    mapping(bytes32 modelId => Model model) private _models;

    /// @notice A model was registered.
    /// @param modelId The model's id.
    /// @param owner The model's owner (the registrant).
    /// @param verifier The model's verifier.
    /// @param metadata The model's metadata.
    event ModelRegistered(bytes32 indexed modelId, address indexed owner, address verifier, string metadata);
    /// @notice A model's verifier was replaced. Jobs opened earlier keep the verifier they snapshot.
    /// @param modelId The model's id.
    /// @param verifier The new verifier.
    event VerifierUpdated(bytes32 indexed modelId, address verifier);
    /// @notice A model's metadata was replaced.
    /// @param modelId The model's id.
    /// @param metadata The new metadata.
    event MetadataUpdated(bytes32 indexed modelId, string metadata);
    /// @notice A model changed owner.
    /// @param modelId The model's id.
    /// @param previousOwner The old owner.
    /// @param newOwner The new owner.
    event OwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice The model id is already registered.
    /// @param modelId The model's id.
    error AlreadyRegistered(bytes32 modelId);
    /// @notice The model id is not registered.
    /// @param modelId The model's id.
    error UnknownModel(bytes32 modelId);
    /// @notice The caller is not the model's owner.
    /// @param modelId The model's id.
    /// @param caller The caller.
    error NotOwner(bytes32 modelId, address caller);
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice The address does not answer `modelId()` with one 32-byte word.
    /// @param verifier The address given as a verifier.
    error NotAVerifier(address verifier);
    /// @notice The verifier belongs to another model.
    /// @param expected The model id it was to be registered under.
    /// @param found The model id the verifier reports.
    error VerifierModelMismatch(bytes32 expected, bytes32 found);

    /// @dev Reverts unless `modelId` is registered and the caller owns it.
    modifier onlyOwner(bytes32 modelId) {
        address owner = _models[modelId].owner;
        if (owner == address(0)) revert UnknownModel(modelId);
        if (owner != msg.sender) revert NotOwner(modelId, msg.sender);
        _;
    }

    /// @notice Registers a model with the caller as its owner.
    /// @param modelId The model's id; `IZkinferVerifier(verifier).modelId()` must equal it.
    /// @param verifier The model's verifier.
    /// @param metadata Free-form metadata.
    function register(bytes32 modelId, address verifier, string calldata metadata) external {
        if (_models[modelId].owner != address(0)) revert AlreadyRegistered(modelId);
        _checkVerifier(modelId, verifier);
        _models[modelId] = Model({owner: msg.sender, verifier: verifier, metadata: metadata});
        emit ModelRegistered(modelId, msg.sender, verifier, metadata);
    }

    /// @notice Replaces a model's verifier (owner only). Open escrow jobs are not affected.
    /// @param modelId The model's id; `IZkinferVerifier(verifier).modelId()` must equal it.
    /// @param verifier The new verifier.
    function setVerifier(bytes32 modelId, address verifier) external onlyOwner(modelId) {
        _checkVerifier(modelId, verifier);
        _models[modelId].verifier = verifier;
        emit VerifierUpdated(modelId, verifier);
    }

    /// @notice Replaces a model's metadata (owner only).
    /// @param modelId The model's id.
    /// @param metadata The new metadata.
    function setMetadata(bytes32 modelId, string calldata metadata) external onlyOwner(modelId) {
        _models[modelId].metadata = metadata;
        emit MetadataUpdated(modelId, metadata);
    }

    /// @notice Hands a model to a new owner (owner only).
    /// @param modelId The model's id.
    /// @param newOwner The new owner; not zero.
    function transferOwnership(bytes32 modelId, address newOwner) external onlyOwner(modelId) {
        if (newOwner == address(0)) revert ZeroAddress();
        _models[modelId].owner = newOwner;
        emit OwnershipTransferred(modelId, msg.sender, newOwner);
    }

    /// @notice A registered model's current verifier.
    /// @param modelId The model's id.
    /// @return The verifier's address.
    function verifierOf(bytes32 modelId) external view returns (address) {
        address verifier = _models[modelId].verifier;
        if (verifier == address(0)) revert UnknownModel(modelId);
        return verifier;
    }

    /// @notice A registered model's record.
    /// @param modelId The model's id.
    /// @return The model's owner, verifier and metadata.
    function modelOf(bytes32 modelId) external view returns (Model memory) {
        Model memory model = _models[modelId];
        if (model.owner == address(0)) revert UnknownModel(modelId);
        return model;
    }

    /// @notice Whether a model id is registered.
    /// @param modelId The model's id.
    /// @return True iff registered.
    function isRegistered(bytes32 modelId) external view returns (bool) {
        return _models[modelId].owner != address(0);
    }

    /// @dev Reverts unless `verifier` is a nonzero address whose `modelId()` is `modelId`.
    function _checkVerifier(bytes32 modelId, address verifier) private view {
        if (verifier == address(0)) revert ZeroAddress();
        (bool ok, bytes memory ret) = verifier.staticcall(abi.encodeCall(IZkinferVerifier.modelId, ()));
        if (!ok || ret.length != 32) revert NotAVerifier(verifier);
        bytes32 found = abi.decode(ret, (bytes32));
        if (found != modelId) revert VerifierModelMismatch(modelId, found);
    }
}
