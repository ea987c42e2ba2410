// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title IZkinferVerifier
/// @notice A Groth16 (BN254) verifier for zkinfer models, holding any number of published keys,
///         each named by `keccak256(abi.encodePacked(modelId, transcriptHash, vk))`, in one of two proof modes.
/// @dev Proof encoding, by the key's mode (G2 points in EIP-197 order, imaginary part first):
///      plain (8 words) `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`;
///      lookup (10 words) `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C2.x, C2.y, C1.x, C1.y]`,
///      where `C1` is the round-1 commitment. Public inputs are scalar-field elements, in the
///      order of the circuit's public inputs; a lookup key's last circuit input, the challenge
///      `uint256(keccak256(abi.encodePacked(C1.x, C1.y, publicInputs))) % R`, is computed by the
///      verifier and not passed.
interface IZkinferVerifier {
    /// @notice Checks a Groth16 proof against a published key and the given public inputs.
    /// @dev Reverts for an unknown key, on malformed input (wrong proof length or input count,
    ///      values out of field) or on a failed precompile call; returns false only when the
    ///      pairing check itself rejects the proof.
    /// @param keyHash The key's hash, `keccak256(abi.encodePacked(modelId, transcriptHash, vk))`.
    /// @param proof 8 words for a plain key, 10 for a lookup key (see the interface's notes).
    /// @param publicInputs The public inputs, each below the BN254 scalar field modulus (for a
    ///        lookup key without the challenge).
    /// @return True iff the proof is valid for these public inputs.
    function verifyProof(bytes32 keyHash, uint256[] calldata proof, uint256[] calldata publicInputs)
        external
        view
        returns (bool);
}
