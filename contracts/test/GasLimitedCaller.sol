// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IZkinferVerifier} from "../src/IZkinferVerifier.sol";

/// @title GasLimitedCaller
/// @notice Test-only: calls a verifier with a chosen gas allowance, to show that running out of
///         gas makes the verifier revert and never answer `false` for a valid proof.
contract GasLimitedCaller {
    /// @notice Calls `verifier.verifyProof` with `gasLimit` gas.
    /// @param verifier The verifier.
    /// @param gasLimit Gas forwarded to the call.
    /// @param keyHash The published key.
    /// @param proof The proof words.
    /// @param publicInputs The public inputs.
    /// @return completed Whether the call returned (rather than reverted).
    /// @return accepted The verifier's answer when it returned.
    function probe(
        IZkinferVerifier verifier,
        uint256 gasLimit,
        bytes32 keyHash,
        uint256[] calldata proof,
        uint256[] calldata publicInputs
    ) external view returns (bool completed, bool accepted) {
        (bool ok, bytes memory ret) = address(verifier).staticcall{gas: gasLimit}(
            abi.encodeCall(IZkinferVerifier.verifyProof, (keyHash, proof, publicInputs))
        );
        if (ok && ret.length == 32) {
            return (true, abi.decode(ret, (bool)));
        }
        return (false, false);
    }
}
