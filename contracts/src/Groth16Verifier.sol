// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IZkinferVerifier} from "./IZkinferVerifier.sol";

/// @title Groth16Verifier
/// @notice One generic Groth16 verifier over BN254 (alt_bn128) for any number of keys, in two proof
///         modes: plain Groth16, and lookup mode (two-round Groth16 with a committed first round).
///         Anyone may publish a verifying key; it is validated once and named by its hash,
///         `keyHash = keccak256(abi.encodePacked(modelId, transcriptHash, vk))`, which this
///         contract computes from the key bytes itself (the mode word included). `transcriptHash`
///         is the keccak256 of the trusted-setup ceremony's final `.zkey` (zero for a key from a
///         development setup): the contract cannot check a ceremony, so it only records the
///         claim, inside the key hash; a requester pins a key hash only after verifying the
///         transcript with that hash itself. A proof is checked against the key a
///         caller names by that hash, so what a key hash accepts can never change: there is no
///         owner, no registration to squat and nothing to swap. The escrow inherits this contract,
///         so a job pins the hash of the requester's own key and the escrow's own code checks the
///         proof.
/// @dev Verifying-key encoding (`vk`): 32-byte big-endian words, concatenated:
///      `mode` (0 plain, 1 lookup), `alpha_g1 (x, y)`, `beta_g2 (x.c1, x.c0, y.c1, y.c0)`,
///      `gamma_g2` (4 words, same order), `delta_g2` (4 words, same order), in lookup mode
///      `delta1_g2` (4 words, same order), then `IC[0..k)` as `(x, y)` pairs.
///      Plain: `(15 + 2k) * 32` bytes, `k >= 1`, `numPublicInputs = k - 1`.
///      Lookup: `(19 + 2k) * 32` bytes, `k >= 2`, `numPublicInputs = k - 2` (the inputs a caller
///      passes; `IC[k - 1]` belongs to the challenge, which this contract computes).
///      The mode word is part of the hashed bytes and fixes where every part lies, so a key of
///      one mode is never read as the other. The key is stored as the runtime code `0x00 ‖ vk`
///      of a data contract (SSTORE2-style; the leading STOP byte makes calling it a no-op) and
///      read back with EXTCODECOPY, so verification touches no storage but the key's record.
///
///      Lookup mode: a proof `(A, B, C2)` comes with a round-1 commitment `C1` (G1). The challenge
///      `c = uint256(keccak256(abi.encodePacked(C1.x, C1.y, publicInputs))) % R` is appended to
///      the caller's public inputs, and the check is
///      `e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C2, delta) * e(C1, delta1) == 1`.
contract Groth16Verifier is IZkinferVerifier {
    /// @notice The proof mode a key checks (the key's first word).
    enum ProofMode {
        Plain,
        Lookup
    }

    /// @dev The BN254 scalar field modulus (public inputs must be below it).
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev The BN254 base field modulus (point coordinates must be below it).
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @dev The G2 twist's curve constant b' = 3 / (9 + u), as c0 + c1 * u.
    uint256 private constant TWIST_B_C0 = 19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 private constant TWIST_B_C1 = 266929791119991161246907387137283842545076965332900288569378510910307636690;

    /// @dev Word offsets of the key's parts (`DELTA1_WORD` in lookup keys only).
    uint256 private constant MODE_WORD = 0;
    uint256 private constant ALPHA_WORD = 1;
    uint256 private constant BETA_WORD = 3;
    uint256 private constant GAMMA_WORD = 7;
    uint256 private constant DELTA_WORD = 11;
    uint256 private constant DELTA1_WORD = 15;
    uint256 private constant PLAIN_IC_WORD = 15;
    uint256 private constant LOOKUP_IC_WORD = 19;

    /// @dev Byte offsets of the key's parts inside the data contract's code: `1 + 32 * word`
    ///      (after the STOP byte; literals, as inline assembly reads them).
    uint256 private constant ALPHA_BETA_CODE_OFFSET = 0x21; // word 1
    uint256 private constant GAMMA_CODE_OFFSET = 0xe1; // word 7
    uint256 private constant DELTA_CODE_OFFSET = 0x161; // word 11
    uint256 private constant DELTA1_CODE_OFFSET = 0x1e1; // word 15
    uint256 private constant PLAIN_IC_CODE_OFFSET = 0x1e1; // word 15
    uint256 private constant LOOKUP_IC_CODE_OFFSET = 0x261; // word 19

    /// @dev The longest key whose data contract fits the EIP-170 code size limit (24576 bytes).
    uint256 private constant MAX_KEY_LENGTH = 24576 - 1;

    /// @dev Proof words: A (2), B (4), C (2); lookup mode adds C1 (2).
    uint256 private constant PLAIN_PROOF_WORDS = 8;
    uint256 private constant LOOKUP_PROOF_WORDS = 10;

    /// @dev The pairing input: 4 (plain) or 5 (lookup) pairs of (G1: 2 words, G2: 4 words).
    uint256 private constant PLAIN_PAIRING_INPUT_BYTES = 0x300;
    uint256 private constant LOOKUP_PAIRING_INPUT_BYTES = 0x3c0;
    /// @dev Byte offset of vk_x (the G1 point of the third pair) inside the pairing input.
    uint256 private constant VK_X_OFFSET = 0x180;

    /// @dev Precompile addresses (EIP-196, EIP-197).
    uint256 private constant EC_ADD = 0x06;
    uint256 private constant EC_MUL = 0x07;
    uint256 private constant EC_PAIRING = 0x08;

    /// @notice The key's length does not fit its mode (`(15 + 2k) * 32` bytes with `k >= 1` for a
    ///         plain key, `(19 + 2k) * 32` with `k >= 2` for a lookup key), exceeds the code size
    ///         limit, or one of its words is not below the base field modulus.
    /// @param length The byte length of the key given.
    error MalformedKey(uint256 length);
    /// @notice The key's first word names no proof mode (0: plain, 1: lookup).
    /// @param mode The word given.
    error UnsupportedKeyMode(uint256 mode);
    /// @notice The key point starting at word `wordIndex` is not on its curve (G1 or the G2 twist).
    /// @param wordIndex The index of the point's first 32-byte word in the key.
    error KeyPointNotOnCurve(uint256 wordIndex);
    /// @notice Deploying the data contract that holds the key failed.
    error KeyStoreFailed();
    /// @notice No key with this hash was published.
    /// @param keyHash The hash given.
    error UnknownKey(bytes32 keyHash);
    /// @notice `verifyProof` got a different number of public inputs than the key has.
    /// @param expected The key's number of public inputs (without a lookup key's challenge).
    /// @param got The number of public inputs given.
    error WrongPublicInputCount(uint256 expected, uint256 got);
    /// @notice A public input is not below the scalar field modulus.
    /// @param index The index of the offending public input.
    error PublicInputNotInField(uint256 index);
    /// @notice The proof has another number of words than the key's mode takes.
    /// @param expected 8 for a plain key, 10 for a lookup key.
    /// @param got The number of proof words given.
    error WrongProofLength(uint256 expected, uint256 got);
    /// @notice A proof word is not below the base field modulus.
    /// @param index The index of the offending word in the proof.
    error ProofCoordinateNotInField(uint256 index);
    /// @notice A call to a precompile failed (invalid point or out of gas), so no answer was reached.
    /// @param precompile The precompile's address: 6 (ecAdd), 7 (ecMul) or 8 (ecPairing).
    error PrecompileFailed(uint256 precompile);

    /// @notice A published key: where its bytes live and what it is for.
    /// @param data The data contract whose code is `0x00 ‖ vk` (written by this contract).
    /// @param mode The key's proof mode.
    /// @param numPublicInputs The number of public inputs a caller passes (a lookup key's
    ///        challenge is not counted: this contract computes it).
    /// @param modelId The model id the key was published for (covered by the key hash).
    /// @param transcriptHash keccak256 of the ceremony's final `.zkey` the key came from, zero
    ///        for a development key (covered by the key hash; a claim, checked off chain).
    struct KeyRecord {
        address data;
        ProofMode mode;
        uint88 numPublicInputs;
        bytes32 modelId;
        bytes32 transcriptHash;
    }

    /// @dev Published keys by `keccak256(abi.encodePacked(modelId, transcriptHash, vk))`.
    mapping(bytes32 keyHash => KeyRecord record) internal _keys;

    /// @notice A verifying key was published (the first time only).
    /// @param keyHash `keccak256(abi.encodePacked(modelId, transcriptHash, vk))`.
    /// @param modelId The model id published with the key.
    /// @param transcriptHash The ceremony transcript hash published with the key.
    /// @param mode The key's proof mode.
    /// @param numPublicInputs The number of public inputs a caller passes.
    /// @param publisher Who paid for the publication (no rights follow from it).
    event KeyPublished(
        bytes32 indexed keyHash,
        bytes32 indexed modelId,
        bytes32 transcriptHash,
        ProofMode mode,
        uint256 numPublicInputs,
        address publisher
    );

    /// @notice Validates a verifying key and stores it under its hash. Idempotent: publishing a
    ///         key again returns its hash and changes nothing.
    /// @param modelId The id of the model this key belongs to (hashed with the key).
    /// @param transcriptHash keccak256 of the ceremony's final `.zkey` (zero for a development
    ///        key), hashed with the key.
    /// @param vk The verifying key, encoded as described in the contract's documentation.
    /// @return keyHash `keccak256(abi.encodePacked(modelId, transcriptHash, vk))`.
    function publishKey(bytes32 modelId, bytes32 transcriptHash, bytes memory vk)
        external
        returns (bytes32 keyHash)
    {
        keyHash = keccak256(abi.encodePacked(modelId, transcriptHash, vk));
        if (_keys[keyHash].data != address(0)) return keyHash;
        uint256 len = vk.length;
        if (len % 32 != 0 || len == 0 || len > MAX_KEY_LENGTH) revert MalformedKey(len);
        uint256 words = len / 32;
        uint256 modeWord = _word(vk, MODE_WORD);
        // The IC points start after the fixed part; a lookup key has at least IC[0] and the
        // challenge's IC point, a plain key at least IC[0].
        uint256 icWord;
        uint256 minIc;
        if (modeWord == uint256(ProofMode.Plain)) {
            (icWord, minIc) = (PLAIN_IC_WORD, 1);
        } else if (modeWord == uint256(ProofMode.Lookup)) {
            (icWord, minIc) = (LOOKUP_IC_WORD, 2);
        } else {
            revert UnsupportedKeyMode(modeWord);
        }
        if (words < icWord + 2 * minIc || (words - icWord) % 2 != 0) revert MalformedKey(len);
        for (uint256 i = ALPHA_WORD; i < words; ++i) {
            if (_word(vk, i) >= Q) revert MalformedKey(len);
        }
        _checkG1(vk, ALPHA_WORD);
        _checkG2(vk, BETA_WORD);
        _checkG2(vk, GAMMA_WORD);
        _checkG2(vk, DELTA_WORD);
        if (icWord == LOOKUP_IC_WORD) _checkG2(vk, DELTA1_WORD);
        for (uint256 w = icWord; w < words; w += 2) {
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

        ProofMode mode = ProofMode(modeWord);
        uint256 numPublic = (words - icWord) / 2 - minIc;
        _keys[keyHash] = KeyRecord({
            data: keyData,
            mode: mode,
            numPublicInputs: uint88(numPublic),
            modelId: modelId,
            transcriptHash: transcriptHash
        });
        emit KeyPublished(keyHash, modelId, transcriptHash, mode, numPublic, msg.sender);
    }

    /// @notice A published key's record (all zero for an unknown hash).
    /// @param keyHash The key's hash.
    /// @return The record.
    function keyInfo(bytes32 keyHash) external view returns (KeyRecord memory) {
        return _keys[keyHash];
    }

    /// @notice A published key's bytes, in the encoding `publishKey` took (mode word first).
    /// @param keyHash The key's hash.
    /// @return vk The key bytes.
    function verifyingKey(bytes32 keyHash) external view returns (bytes memory vk) {
        address keyData = _keys[keyHash].data;
        if (keyData == address(0)) revert UnknownKey(keyHash);
        uint256 len = keyData.code.length - 1;
        vk = new bytes(len);
        assembly ("memory-safe") {
            extcodecopy(keyData, add(vk, 0x20), 1, len)
        }
    }

    /// @inheritdoc IZkinferVerifier
    function verifyProof(bytes32 keyHash, uint256[] calldata proof, uint256[] calldata publicInputs)
        external
        view
        returns (bool valid)
    {
        return _verifyProof(keyHash, proof, publicInputs);
    }

    /// @dev Checks `proof` against the key published under `keyHash` and `publicInputs` (for a
    ///      lookup key, the challenge is computed here and appended); reverts for an unknown key,
    ///      malformed input or a failed precompile, returns the pairing's answer.
    function _verifyProof(bytes32 keyHash, uint256[] calldata proof, uint256[] memory publicInputs)
        internal
        view
        returns (bool valid)
    {
        address keyData;
        bool lookup;
        {
            // The record's first slot holds data (bits 0-159), mode (160-167) and
            // numPublicInputs (168-255): read once.
            KeyRecord storage key = _keys[keyHash];
            uint256 slot0;
            assembly ("memory-safe") {
                slot0 := sload(key.slot)
            }
            keyData = address(uint160(slot0));
            if (keyData == address(0)) revert UnknownKey(keyHash);
            lookup = uint8(slot0 >> 160) == uint8(ProofMode.Lookup);
            uint256 expected = slot0 >> 168;
            if (publicInputs.length != expected) revert WrongPublicInputCount(expected, publicInputs.length);
            uint256 proofWords = lookup ? LOOKUP_PROOF_WORDS : PLAIN_PROOF_WORDS;
            if (proof.length != proofWords) revert WrongProofLength(proofWords, proof.length);
        }
        _checkRanges(proof, publicInputs);
        uint256 challenge = lookup ? _challenge(proof, publicInputs) : 0;

        // [buf, buf + pairingBytes) is the pairing input.
        uint256 pairingBytes = lookup ? LOOKUP_PAIRING_INPUT_BYTES : PLAIN_PAIRING_INPUT_BYTES;
        uint256 buf;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, pairingBytes))
        }
        _writeVkX(keyData, buf + VK_X_OFFSET, publicInputs, lookup, challenge);

        // e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) [* e(C1, delta1)] == 1
        bool success;
        assembly ("memory-safe") {
            // Pair 0: (-A, B). A.y < Q was checked, so (Q - A.y) % Q is -A.y (and 0 stays 0).
            mstore(buf, calldataload(proof.offset))
            mstore(add(buf, 0x20), mod(sub(Q, calldataload(add(proof.offset, 0x20))), Q))
            calldatacopy(add(buf, 0x40), add(proof.offset, 0x40), 0x80)
            // Pair 1: (alpha, beta), contiguous in the key.
            extcodecopy(keyData, add(buf, 0xc0), ALPHA_BETA_CODE_OFFSET, 0xc0)
            // Pair 2: (vk_x, gamma); vk_x is already in place.
            extcodecopy(keyData, add(buf, 0x1c0), GAMMA_CODE_OFFSET, 0x80)
            // Pair 3: (C, delta); C is C2 in lookup mode.
            calldatacopy(add(buf, 0x240), add(proof.offset, 0xc0), 0x40)
            extcodecopy(keyData, add(buf, 0x280), DELTA_CODE_OFFSET, 0x80)
            // Pair 4 (lookup mode): (C1, delta1).
            if lookup {
                calldatacopy(add(buf, 0x300), add(proof.offset, 0x100), 0x40)
                extcodecopy(keyData, add(buf, 0x340), DELTA1_CODE_OFFSET, 0x80)
            }

            success := staticcall(gas(), EC_PAIRING, buf, pairingBytes, buf, 0x20)
            success := and(success, eq(returndatasize(), 0x20))
            valid := eq(mload(buf), 1)
        }
        if (!success) revert PrecompileFailed(EC_PAIRING);
    }

    /// @dev Reverts unless every proof word is below Q and every public input below R.
    function _checkRanges(uint256[] calldata proof, uint256[] memory publicInputs) private pure {
        // The first word out of range, plus one (0: none).
        uint256 bad;
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, proof.length) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(proof.offset, shl(5, i))), Q)) {
                    bad := add(i, 1)
                    break
                }
            }
        }
        if (bad != 0) revert ProofCoordinateNotInField(bad - 1);
        assembly ("memory-safe") {
            let n := mload(publicInputs)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                if iszero(lt(mload(add(publicInputs, shl(5, add(i, 1)))), R)) {
                    bad := add(i, 1)
                    break
                }
            }
        }
        if (bad != 0) revert PublicInputNotInField(bad - 1);
    }

    /// @dev Lookup mode's challenge `uint256(keccak256(abi.encodePacked(C1.x, C1.y, publicInputs))) % R`
    ///      (`C1` is proof words 8 and 9), hashed in scratch memory past the free memory pointer.
    function _challenge(uint256[] calldata proof, uint256[] memory publicInputs)
        private
        pure
        returns (uint256 challenge)
    {
        assembly ("memory-safe") {
            let s := mload(0x40)
            let inputBytes := shl(5, mload(publicInputs))
            calldatacopy(s, add(proof.offset, 0x100), 0x40)
            mcopy(add(s, 0x40), add(publicInputs, 0x20), inputBytes)
            challenge := mod(keccak256(s, add(0x40, inputBytes)), R)
        }
    }

    /// @dev Writes `vk_x = IC[0] + sum(input[i] * IC[i + 1])` at `acc` (the third pair's G1 slot of
    ///      the pairing input), where the inputs are `publicInputs` followed, for a lookup key, by
    ///      `challenge`. The four words after `acc` (the gamma slot, filled later) are scratch for
    ///      the ecMul operands and result. The IC points are copied from the key's data contract
    ///      into memory after the free memory pointer.
    function _writeVkX(address keyData, uint256 acc, uint256[] memory publicInputs, bool lookup, uint256 challenge)
        private
        view
    {
        uint256 n = publicInputs.length;
        uint256 inputs = lookup ? n + 1 : n;
        uint256 icCodeOffset = lookup ? LOOKUP_IC_CODE_OFFSET : PLAIN_IC_CODE_OFFSET;
        uint256 ic;
        assembly ("memory-safe") {
            ic := mload(0x40)
            let icBytes := shl(6, add(inputs, 1))
            mstore(0x40, add(ic, icBytes))
            extcodecopy(keyData, ic, icCodeOffset, icBytes)
            mstore(acc, mload(ic))
            mstore(add(acc, 0x20), mload(add(ic, 0x20)))
        }
        unchecked {
            for (uint256 i; i < inputs; ++i) {
                uint256 s = challenge;
                if (i < n) {
                    assembly ("memory-safe") {
                        s := mload(add(publicInputs, shl(5, add(i, 1))))
                    }
                }
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
