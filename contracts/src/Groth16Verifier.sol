// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IZkinferVerifier} from "./IZkinferVerifier.sol";

/// @title Groth16Verifier
/// @notice One generic Groth16 verifier over BN254 (alt_bn128) for any number of keys. Anyone may
///         publish a verifying key; it is validated once and named by its hash,
///         `keyHash = keccak256(abi.encodePacked(modelId, vk))`, which this contract computes from
///         the key bytes itself. A proof is checked against the key a caller names by that hash,
///         so what a key hash accepts can never change: there is no owner, no registration to
///         squat and nothing to swap. The escrow inherits this contract, so a job pins the hash
///         of the requester's own key and the escrow's own code checks the proof.
/// @dev Verifying-key encoding (`vk`): 32-byte big-endian words, concatenated:
///      `alpha_g1 (x, y)`, `beta_g2 (x.c1, x.c0, y.c1, y.c0)`, `gamma_g2` (4 words, same order),
///      `delta_g2` (4 words, same order), then `IC[0..k)` as `(x, y)` pairs with `k >= 1`.
///      Length `(14 + 2k) * 32` bytes; `numPublicInputs = k - 1`. The key is stored as the runtime
///      code `0x00 ‖ vk` of a data contract (SSTORE2-style; the leading STOP byte makes calling it a
///      no-op) and read back with EXTCODECOPY, so verification touches no storage.
contract Groth16Verifier is IZkinferVerifier {
    /// @dev The BN254 scalar field modulus (public inputs must be below it).
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev The BN254 base field modulus (point coordinates must be below it).
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @dev The G2 twist's curve constant b' = 3 / (9 + u), as c0 + c1 * u.
    uint256 private constant TWIST_B_C0 = 19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 private constant TWIST_B_C1 = 266929791119991161246907387137283842545076965332900288569378510910307636690;

    /// @dev Word offsets of the key's parts.
    uint256 private constant ALPHA_WORD = 0;
    uint256 private constant BETA_WORD = 2;
    uint256 private constant GAMMA_WORD = 6;
    uint256 private constant DELTA_WORD = 10;
    uint256 private constant IC_WORD = 14;

    /// @dev Byte offsets of the key's parts inside the data contract's code (after the STOP byte).
    uint256 private constant ALPHA_BETA_CODE_OFFSET = 1;
    uint256 private constant GAMMA_CODE_OFFSET = 1 + 6 * 32;
    uint256 private constant DELTA_CODE_OFFSET = 1 + 10 * 32;
    uint256 private constant IC_CODE_OFFSET = 1 + 14 * 32;

    /// @dev The shortest key: fixed part plus IC[0] (no public inputs).
    uint256 private constant MIN_KEY_LENGTH = (IC_WORD + 2) * 32;
    /// @dev The longest key whose data contract fits the EIP-170 code size limit (24576 bytes).
    uint256 private constant MAX_KEY_LENGTH = 24576 - 1;

    /// @dev The pairing input: 4 pairs of (G1: 2 words, G2: 4 words) = 24 words.
    uint256 private constant PAIRING_INPUT_BYTES = 0x300;
    /// @dev Byte offset of vk_x (the G1 point of the third pair) inside the pairing input.
    uint256 private constant VK_X_OFFSET = 0x180;

    /// @dev Precompile addresses (EIP-196, EIP-197).
    uint256 private constant EC_ADD = 0x06;
    uint256 private constant EC_MUL = 0x07;
    uint256 private constant EC_PAIRING = 0x08;

    /// @notice The key's length is not `(14 + 2k) * 32` with `k >= 1`, exceeds the code size limit,
    ///         or one of its words is not below the base field modulus.
    /// @param length The byte length of the key given.
    error MalformedKey(uint256 length);
    /// @notice The key point starting at word `wordIndex` is not on its curve (G1 or the G2 twist).
    /// @param wordIndex The index of the point's first 32-byte word in the key.
    error KeyPointNotOnCurve(uint256 wordIndex);
    /// @notice Deploying the data contract that holds the key failed.
    error KeyStoreFailed();
    /// @notice No key with this hash was published.
    /// @param keyHash The hash given.
    error UnknownKey(bytes32 keyHash);
    /// @notice `verifyProof` got a different number of public inputs than the key has.
    /// @param expected The key's number of public inputs.
    /// @param got The number of public inputs given.
    error WrongPublicInputCount(uint256 expected, uint256 got);
    /// @notice A public input is not below the scalar field modulus.
    /// @param index The index of the offending public input.
    error PublicInputNotInField(uint256 index);
    /// @notice A proof word is not below the base field modulus.
    /// @param index The index of the offending word in the 8-word proof.
    error ProofCoordinateNotInField(uint256 index);
    /// @notice A call to a precompile failed (invalid point or out of gas), so no answer was reached.
    /// @param precompile The precompile's address: 6 (ecAdd), 7 (ecMul) or 8 (ecPairing).
    error PrecompileFailed(uint256 precompile);

    /// @notice A published key: where its bytes live and what it is for.
    /// @param data The data contract whose code is `0x00 ‖ vk` (written by this contract).
    /// @param numPublicInputs The key's number of public inputs.
    /// @param modelId The model id the key was published for (covered by the key hash).
    struct KeyRecord {
        address data;
        uint96 numPublicInputs;
        bytes32 modelId;
    }

    /// @dev Published keys by `keccak256(abi.encodePacked(modelId, vk))`.
    mapping(bytes32 keyHash => KeyRecord record) internal _keys;

    /// @notice A verifying key was published (the first time only).
    /// @param keyHash `keccak256(abi.encodePacked(modelId, vk))`.
    /// @param modelId The model id published with the key.
    /// @param numPublicInputs The key's number of public inputs.
    /// @param publisher Who paid for the publication (no rights follow from it).
    event KeyPublished(
        bytes32 indexed keyHash, bytes32 indexed modelId, uint256 numPublicInputs, address publisher
    );

    /// @notice Validates a verifying key and stores it under its hash. Idempotent: publishing a
    ///         key again returns its hash and changes nothing.
    /// @param modelId The id of the model this key belongs to (hashed with the key).
    /// @param vk The verifying key, encoded as described in the contract's documentation.
    /// @return keyHash `keccak256(abi.encodePacked(modelId, vk))`.
    function publishKey(bytes32 modelId, bytes memory vk) external returns (bytes32 keyHash) {
        keyHash = keccak256(abi.encodePacked(modelId, vk));
        if (_keys[keyHash].data != address(0)) return keyHash;
        uint256 len = vk.length;
        // (14 + 2k) words with k >= 1 <=> an even number of words, at least 16.
        if (len % 32 != 0 || (len / 32) % 2 != 0 || len < MIN_KEY_LENGTH || len > MAX_KEY_LENGTH) {
            revert MalformedKey(len);
        }
        uint256 words = len / 32;
        for (uint256 i; i < words; ++i) {
            if (_word(vk, i) >= Q) revert MalformedKey(len);
        }
        _checkG1(vk, ALPHA_WORD);
        _checkG2(vk, BETA_WORD);
        _checkG2(vk, GAMMA_WORD);
        _checkG2(vk, DELTA_WORD);
        for (uint256 w = IC_WORD; w < words; w += 2) {
            _checkG1(vk, w);
        }

        address keyData;
        assembly ("memory-safe") {
            // Init code, written over the low 11 bytes of vk's length word so that it directly
            // precedes the key bytes:
            //   61 SSSS  PUSH2 size (= len + 1)     size
            //   80       DUP1                       size size
            //   60 0a    PUSH1 10                   10 size size
            //   3d       RETURNDATASIZE             0 10 size size
            //   39       CODECOPY                   size          (memory[0..size) = code[10..10+size))
            //   3d       RETURNDATASIZE             0 size
            //   f3       RETURN                                   (runtime code = memory[0..size))
            //   00       STOP (first byte of the runtime code), followed by vk
            mstore(vk, or(or(shl(80, 0x61), shl(64, add(len, 1))), 0x80600a3d393df300))
            keyData := create(0, add(vk, 21), add(len, 11))
            mstore(vk, len)
        }
        if (keyData == address(0) || keyData.code.length != len + 1) revert KeyStoreFailed();

        uint256 numPublic = (words - IC_WORD) / 2 - 1;
        _keys[keyHash] = KeyRecord({data: keyData, numPublicInputs: uint96(numPublic), modelId: modelId});
        emit KeyPublished(keyHash, modelId, numPublic, msg.sender);
    }

    /// @notice A published key's record (all zero for an unknown hash).
    /// @param keyHash The key's hash.
    /// @return The record.
    function keyInfo(bytes32 keyHash) external view returns (KeyRecord memory) {
        return _keys[keyHash];
    }

    /// @notice A published key's bytes, in the encoding `publishKey` took.
    /// @param keyHash The key's hash.
    /// @return vk The key bytes.
    function verifyingKey(bytes32 keyHash) external view returns (bytes memory vk) {
        KeyRecord storage key = _keys[keyHash];
        address keyData = key.data;
        if (keyData == address(0)) revert UnknownKey(keyHash);
        uint256 len = (IC_WORD + 2 * (uint256(key.numPublicInputs) + 1)) * 32;
        vk = new bytes(len);
        assembly ("memory-safe") {
            extcodecopy(keyData, add(vk, 0x20), 1, len)
        }
    }

    /// @inheritdoc IZkinferVerifier
    function verifyProof(bytes32 keyHash, uint256[8] calldata proof, uint256[] calldata publicInputs)
        external
        view
        returns (bool valid)
    {
        return _verifyProof(keyHash, proof, publicInputs);
    }

    /// @dev Checks `proof` against the key published under `keyHash` and `publicInputs`; reverts
    ///      for an unknown key, malformed input or a failed precompile, returns the pairing's answer.
    function _verifyProof(bytes32 keyHash, uint256[8] calldata proof, uint256[] memory publicInputs)
        internal
        view
        returns (bool valid)
    {
        KeyRecord storage key = _keys[keyHash];
        address keyData = key.data;
        if (keyData == address(0)) revert UnknownKey(keyHash);
        uint256 expected = key.numPublicInputs;
        uint256 n = publicInputs.length;
        if (n != expected) revert WrongPublicInputCount(expected, n);
        for (uint256 i; i < 8; ++i) {
            if (proof[i] >= Q) revert ProofCoordinateNotInField(i);
        }
        for (uint256 i; i < n; ++i) {
            if (publicInputs[i] >= R) revert PublicInputNotInField(i);
        }

        // Memory: [buf, buf + 0x300) is the pairing input; the IC points follow it.
        uint256 buf;
        uint256 ic;
        assembly ("memory-safe") {
            buf := mload(0x40)
            ic := add(buf, PAIRING_INPUT_BYTES)
            let icBytes := mul(add(n, 1), 0x40)
            mstore(0x40, add(ic, icBytes))
            extcodecopy(keyData, ic, IC_CODE_OFFSET, icBytes)
        }

        // vk_x = IC[0] + sum(publicInputs[i] * IC[i + 1]), accumulated in place in the pairing
        // input (third pair's G1 slot). The scratch words after it (the gamma slot, filled below)
        // hold the ecMul operands and result.
        uint256 acc = buf + VK_X_OFFSET;
        assembly ("memory-safe") {
            mstore(acc, mload(ic))
            mstore(add(acc, 0x20), mload(add(ic, 0x20)))
        }
        unchecked {
            for (uint256 i; i < n; ++i) {
                uint256 s = publicInputs[i];
                // 0 * IC[i + 1] is the point at infinity: adding it changes nothing.
                if (s == 0) continue;
                uint256 point = ic + (i + 1) * 0x40;
                bool ok;
                assembly ("memory-safe") {
                    let m := add(acc, 0x40)
                    mstore(m, mload(point))
                    mstore(add(m, 0x20), mload(add(point, 0x20)))
                    mstore(add(m, 0x40), s)
                    ok := staticcall(gas(), EC_MUL, m, 0x60, m, 0x40)
                    ok := and(ok, eq(returndatasize(), 0x40))
                }
                if (!ok) revert PrecompileFailed(EC_MUL);
                assembly ("memory-safe") {
                    ok := staticcall(gas(), EC_ADD, acc, 0x80, acc, 0x40)
                    ok := and(ok, eq(returndatasize(), 0x40))
                }
                if (!ok) revert PrecompileFailed(EC_ADD);
            }
        }

        // e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1
        bool success;
        assembly ("memory-safe") {
            // Pair 0: (-A, B). A.y < Q was checked, so (Q - A.y) % Q is -A.y (and 0 stays 0).
            mstore(buf, calldataload(proof))
            mstore(add(buf, 0x20), mod(sub(Q, calldataload(add(proof, 0x20))), Q))
            calldatacopy(add(buf, 0x40), add(proof, 0x40), 0x80)
            // Pair 1: (alpha, beta), contiguous in the key.
            extcodecopy(keyData, add(buf, 0xc0), ALPHA_BETA_CODE_OFFSET, 0xc0)
            // Pair 2: (vk_x, gamma); vk_x is already in place.
            extcodecopy(keyData, add(buf, 0x1c0), GAMMA_CODE_OFFSET, 0x80)
            // Pair 3: (C, delta).
            calldatacopy(add(buf, 0x240), add(proof, 0xc0), 0x40)
            extcodecopy(keyData, add(buf, 0x280), DELTA_CODE_OFFSET, 0x80)

            success := staticcall(gas(), EC_PAIRING, buf, PAIRING_INPUT_BYTES, buf, 0x20)
            success := and(success, eq(returndatasize(), 0x20))
            valid := eq(mload(buf), 1)
        }
        if (!success) revert PrecompileFailed(EC_PAIRING);
    }

    /// @dev The `i`-th 32-byte word of `data` (caller guarantees it is in bounds).
    function _word(bytes memory data, uint256 i) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(data, 0x20), mul(i, 0x20)))
        }
    }

    /// @dev Reverts unless the G1 point at word `w` of `vk` is on y^2 = x^3 + 3 or is (0, 0),
    ///      the encoding of the point at infinity. Coordinates are already known to be below Q.
    function _checkG1(bytes memory vk, uint256 w) private pure {
        uint256 x = _word(vk, w);
        uint256 y = _word(vk, w + 1);
        if (x == 0 && y == 0) return;
        if (mulmod(y, y, Q) != addmod(mulmod(mulmod(x, x, Q), x, Q), 3, Q)) revert KeyPointNotOnCurve(w);
    }

    /// @dev Reverts unless the G2 point at word `w` of `vk` (x.c1, x.c0, y.c1, y.c0) is on the
    ///      twist y^2 = x^3 + 3 / (9 + u) or is all zeros (the point at infinity). Subgroup
    ///      membership is left to the pairing precompile.
    function _checkG2(bytes memory vk, uint256 w) private pure {
        uint256 x1 = _word(vk, w);
        uint256 x0 = _word(vk, w + 1);
        uint256 y1 = _word(vk, w + 2);
        uint256 y0 = _word(vk, w + 3);
        if (x0 == 0 && x1 == 0 && y0 == 0 && y1 == 0) return;
        (uint256 yy0, uint256 yy1) = _fp2Mul(y0, y1, y0, y1);
        (uint256 xx0, uint256 xx1) = _fp2Mul(x0, x1, x0, x1);
        (uint256 xxx0, uint256 xxx1) = _fp2Mul(xx0, xx1, x0, x1);
        if (yy0 != addmod(xxx0, TWIST_B_C0, Q) || yy1 != addmod(xxx1, TWIST_B_C1, Q)) {
            revert KeyPointNotOnCurve(w);
        }
    }

    /// @dev (a0 + a1 u)(b0 + b1 u) in Fq2 = Fq[u] / (u^2 + 1); inputs below Q.
    function _fp2Mul(uint256 a0, uint256 a1, uint256 b0, uint256 b1) private pure returns (uint256, uint256) {
        return (
            addmod(mulmod(a0, b0, Q), Q - mulmod(a1, b1, Q), Q),
            addmod(mulmod(a0, b1, Q), mulmod(a1, b0, Q), Q)
        );
    }
}
