// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title IZkinferVerifier
/// @notice A Groth16 (BN254) verifier for zkinfer models, holding any number of published keys,
///         each named by `keccak256(abi.encodePacked(modelId, vk))`.
/// @dev Proof encoding (8 words): `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`, i.e. the
///      EIP-197 order for the G2 point B (imaginary part first). Public inputs are scalar-field
///      elements, in the order of the circuit's public inputs.
interface IZkinferVerifier {
    /// @notice Checks a Groth16 proof against a published key and the given public inputs.
    /// @dev Reverts for an unknown key, on malformed input (wrong input count, values out of field)
    ///      or on a failed precompile call; returns false only when the pairing check itself
    ///      rejects the proof.
    /// @param keyHash The key's hash, `keccak256(abi.encodePacked(modelId, vk))`.
    /// @param proof `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]` (EIP-197 order for G2).
    /// @param publicInputs The public inputs, each below the BN254 scalar field modulus.
    /// @return True iff the proof is valid for these public inputs.
    function verifyProof(bytes32 keyHash, uint256[8] calldata proof, uint256[] calldata publicInputs)
        external
        view
        returns (bool);
}
