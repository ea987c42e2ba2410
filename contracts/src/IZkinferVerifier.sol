// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title IZkinferVerifier
/// @notice A Groth16 (BN254) verifier for one zkinfer model.
/// @dev Proof encoding (8 words): `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`, i.e. the
///      EIP-197 order for the G2 point B (imaginary part first). Public inputs are scalar-field
///      elements, in the order of the circuit's public inputs.
interface IZkinferVerifier {
    /// @notice The id of the model whose verifying key this verifier holds.
    /// @return The model id.
    function modelId() external view returns (bytes32);

    /// @notice How many public inputs `verifyProof` expects.
    /// @return The number of public inputs.
    function numPublicInputs() external view returns (uint256);

    /// @notice Checks a Groth16 proof against the verifier's key and the given public inputs.
    /// @dev Reverts on malformed input (wrong input count, values out of field) or on a failed
    ///      precompile call; returns false only when the pairing check itself rejects the proof.
    /// @param proof `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]` (EIP-197 order for G2).
    /// @param publicInputs The public inputs, each below the BN254 scalar field modulus.
    /// @return True iff the proof is valid for these public inputs.
    function verifyProof(uint256[8] calldata proof, uint256[] calldata publicInputs) external view returns (bool);
}
