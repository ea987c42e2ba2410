//! Export to snarkjs 0.7's Groth16 JSON formats, so that a proof can be checked with
//! `snarkjs groth16 verify verification_key.json public.json proof.json` (an independent
//! verifier) and fed to snarkjs's Solidity tooling.
//!
//! Conventions, as snarkjs (ffjavascript) reads and writes them for `bn128` (= BN254):
//! * every number is a decimal string of the canonical (non-Montgomery) value;
//! * a G1 point is projective `[x, y, z]`: affine points are `[x, y, "1"]`, the point at
//!   infinity `["0", "1", "0"]`;
//! * an Fq2 element `c0 + c1·u` is `[c0, c1]` (c0 first), so an affine G2 point is
//!   `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`, the point at infinity
//!   `[["0", "0"], ["1", "0"], ["0", "0"]]`;
//! * an Fq12 element (`vk_alphabeta_12`) is `[c0, c1]` over Fq6, each `[c0, c1, c2]` over Fq2:
//!   the same tower as arkworks (Fq6 = Fq2\[v\]/(v³ − (9 + u)), Fq12 = Fq6\[w\]/(w² − v)).
//!
//! `snarkjs groth16 verify` only reads `curve`, `vk_alpha_1`, `vk_beta_2`, `vk_gamma_2`,
//! `vk_delta_2` and `IC` (it pairs with `vk_alpha_1`, `vk_beta_2` itself); `vk_alphabeta_12`
//! is written anyway, computed as `e(alpha, beta)`, because `snarkjs zkey export
//! verificationkey` writes it and other tools may read it. The public signals are the
//! proof file's stated public inputs in circuit order, which is the order of `IC[1..]`.

use std::path::Path;

use ark_bn254::{Fq, Fq12, Fq2, Fq6, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use serde_json::{json, Value};

use crate::{Curve, FormatError, ProofFile, VerifyingKeyFile};

/// File name snarkjs uses for the verifying key.
pub const VERIFICATION_KEY_FILE: &str = "verification_key.json";
/// File name snarkjs uses for the proof.
pub const PROOF_FILE: &str = "proof.json";
/// File name snarkjs uses for the public signals.
pub const PUBLIC_FILE: &str = "public.json";

/// A base-field element as a decimal string.
fn fq(v: &Fq) -> Value {
    Value::String(v.into_bigint().to_string())
}

/// An Fq2 element as `[c0, c1]`.
fn fq2(v: &Fq2) -> Value {
    json!([fq(&v.c0), fq(&v.c1)])
}

/// An Fq6 element as `[c0, c1, c2]`.
fn fq6(v: &Fq6) -> Value {
    json!([fq2(&v.c0), fq2(&v.c1), fq2(&v.c2)])
}

/// An Fq12 element as `[c0, c1]`.
fn fq12(v: &Fq12) -> Value {
    json!([fq6(&v.c0), fq6(&v.c1)])
}

/// A G1 point, projective with `z = 1` (or snarkjs's point at infinity).
fn g1(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq(&x), fq(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

/// A G2 point, projective with `z = 1` (or snarkjs's point at infinity).
fn g2(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(&x), fq2(&y), ["1", "0"]]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// The verifying key in the format of `snarkjs zkey export verificationkey` (Groth16, bn128).
pub fn verification_key(key: &VerifyingKeyFile) -> Value {
    let vk = &key.vk;
    let alpha_beta = Curve::pairing(vk.alpha_g1, vk.beta_g2).0;
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1(&vk.alpha_g1),
        "vk_beta_2": g2(&vk.beta_g2),
        "vk_gamma_2": g2(&vk.gamma_g2),
        "vk_delta_2": g2(&vk.delta_g2),
        "vk_alphabeta_12": fq12(&alpha_beta),
        "IC": vk.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// The proof in the format of `snarkjs groth16 prove` (`proof.json`).
pub fn proof(file: &ProofFile) -> Result<Value, FormatError> {
    let p = file.groth16()?;
    Ok(json!({
        "pi_a": g1(&p.a),
        "pi_b": g2(&p.b),
        "pi_c": g1(&p.c),
        "protocol": "groth16",
        "curve": "bn128",
    }))
}

/// The stated public inputs as snarkjs's `public.json`: decimal strings, in circuit order.
pub fn public_signals(file: &ProofFile) -> Result<Value, FormatError> {
    let inputs = file.stated_public_inputs()?;
    Ok(Value::Array(
        inputs
            .iter()
            .map(|v| Value::String(v.into_bigint().to_string()))
            .collect(),
    ))
}

/// Writes [`VERIFICATION_KEY_FILE`], [`PROOF_FILE`] and [`PUBLIC_FILE`] into `dir` (created
/// if missing). Refuses a proof for another model than the key, or with another number of
/// public inputs (snarkjs would fail on those with an unhelpful message). Does not check the
/// proof itself: an invalid proof exports to files snarkjs rejects.
pub fn write_all(dir: &Path, key: &VerifyingKeyFile, file: &ProofFile) -> Result<(), FormatError> {
    if key.round1.is_some() || file.round1_commitment.is_some() {
        return Err(FormatError::Unsupported(
            "snarkjs verifies plain Groth16 only: a lookup-mode proof has a second commitment \
             (C₁ over δ₁) and a challenge computed from it, which snarkjs's verifier does not \
             check; verify it with `zkinfer verify` or on chain, or compile with \
             --proof-mode plain"
                .into(),
        ));
    }
    let key_model = hex::encode(key.model_id);
    if file.model_id != key_model {
        return Err(FormatError::WrongModel {
            expected: key_model,
            found: file.model_id.clone(),
        });
    }
    let n_public = key.vk.gamma_abc_g1.len().saturating_sub(1);
    if file.public_inputs.len() != n_public {
        return Err(FormatError::Corrupt(format!(
            "the proof states {} public inputs, the verifying key takes {n_public}",
            file.public_inputs.len()
        )));
    }
    let outputs = [
        (VERIFICATION_KEY_FILE, verification_key(key)),
        (PROOF_FILE, proof(file)?),
        (PUBLIC_FILE, public_signals(file)?),
    ];
    std::fs::create_dir_all(dir).map_err(|source| FormatError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for (name, value) in outputs {
        let path = dir.join(name);
        let mut text = serde_json::to_string_pretty(&value)?;
        text.push('\n');
        std::fs::write(&path, text).map_err(|source| FormatError::Io { path, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::Field;
    use ark_groth16::{Groth16, Proof, VerifyingKey};
    use ark_snark::SNARK;

    use crate::{fr_to_hex, Fr, KeyProvenance, PublicLayout, PROOF_VERSION};

    /// BN254's G2 generator as ffjavascript prints it (`curve.G2.toObject(curve.G2.g)`).
    const G2_GEN: [[&str; 2]; 2] = [
        [
            "10857046999023057135944570762232829481370756359578518086990519993285655852781",
            "11559732032986387107991004021392285783925812861821192530917403151452391805634",
        ],
        [
            "8495653923123431417604973247489272438418190587263600148770280649306958101930",
            "4082367875863433681332203403145435568316851327593401208105741076214120093531",
        ],
    ];

    /// `e(G1, G2)` for the generators as ffjavascript 0.3 prints it
    /// (`curve.Gt.toObject(await curve.pairing(curve.G1.g, curve.G2.g))`).
    const GT_GEN: [[[&str; 2]; 3]; 2] = [
        [
            [
                "17264119758069723980713015158403419364912226240334615592005620718956030922389",
                "1300711225518851207585954685848229181392358478699795190245709208408267917898",
            ],
            [
                "8894217292938489450175280157304813535227569267786222825147475294561798790624",
                "1829859855596098509359522796979920150769875799037311140071969971193843357227",
            ],
            [
                "4968700049505451466697923764727215585075098085662966862137174841375779106779",
                "12814315002058128940449527172080950701976819591738376253772993495204862218736",
            ],
        ],
        [
            [
                "4233474252585134102088637248223601499779641130562251948384759786370563844606",
                "9420544134055737381096389798327244442442230840902787283326002357297404128074",
            ],
            [
                "13457906610892676317612909831857663099224588803620954529514857102808143524905",
                "5122435115068592725432309312491733755581898052459744089947319066829791570839",
            ],
            [
                "8891987925005301465158626530377582234132838601606565363865129986128301774627",
                "440796048150724096437130979851431985500142692666486515369083499585648077975",
            ],
        ],
    ];

    #[test]
    fn g1_generator_and_infinity() {
        assert_eq!(g1(&G1Affine::generator()), json!(["1", "2", "1"]));
        assert_eq!(g1(&G1Affine::zero()), json!(["0", "1", "0"]));
        let minus_g = -G1Affine::generator();
        let p_minus_2 =
            "21888242871839275222246405745257275088696311157297823662689037894645226208581";
        assert_eq!(g1(&minus_g), json!(["1", p_minus_2, "1"]));
    }

    #[test]
    fn g2_generator_puts_c0_first() {
        let expected = json!([G2_GEN[0], G2_GEN[1], ["1", "0"]]);
        assert_eq!(g2(&G2Affine::generator()), expected);
        assert_eq!(
            g2(&G2Affine::zero()),
            json!([["0", "0"], ["1", "0"], ["0", "0"]])
        );
    }

    #[test]
    fn pairing_layout_matches_ffjavascript() {
        let gt = Curve::pairing(G1Affine::generator(), G2Affine::generator()).0;
        assert_eq!(fq12(&gt), json!(GT_GEN));
        assert_eq!(
            fq12(&Fq12::ONE),
            json!([
                [["1", "0"], ["0", "0"], ["0", "0"]],
                [["0", "0"], ["0", "0"], ["0", "0"]]
            ])
        );
    }

    /// A verifying key and a valid proof for `inputs`, made from known trapdoors
    /// (no circuit needed: `c` is solved from the verification equation).
    fn simulated(inputs: &[Fr]) -> (VerifyingKeyFile, ProofFile) {
        let g = ark_bn254::G1Projective::generator();
        let h = ark_bn254::G2Projective::generator();
        let [alpha, beta, gamma, delta, a, b] = [11u64, 13, 17, 19, 23, 29].map(Fr::from);
        let ic: Vec<Fr> = (0..=inputs.len() as u64)
            .map(|i| Fr::from(31 + i))
            .collect();
        let ic_x = ic[0] + inputs.iter().zip(&ic[1..]).map(|(x, k)| *x * k).sum::<Fr>();
        let c = (a * b - alpha * beta - ic_x * gamma) * delta.inverse().unwrap();
        let vk = VerifyingKey::<Curve> {
            alpha_g1: (g * alpha).into_affine(),
            beta_g2: (h * beta).into_affine(),
            gamma_g2: (h * gamma).into_affine(),
            delta_g2: (h * delta).into_affine(),
            gamma_abc_g1: ic.iter().map(|k| (g * k).into_affine()).collect(),
        };
        let proof = Proof::<Curve> {
            a: (g * a).into_affine(),
            b: (h * b).into_affine(),
            c: (g * c).into_affine(),
        };
        assert!(Groth16::<Curve>::verify(&vk, inputs, &proof).unwrap());
        let key = VerifyingKeyFile {
            model_id: [3; 32],
            vk,
            layout: PublicLayout {
                input_bits: vec![],
                input_lens: vec![],
                input_scales: vec![],
                output_slot_bits: 8,
                output_per_element: 1,
                output_shapes: vec![],
                output_scales: vec![],
                binding_scheme: crate::BINDING_SCHEME,
            },
            provenance: KeyProvenance {
                made_by: "test".into(),
                insecure_seed: Some(7),
                created_unix: 0,
                ceremony: None,
            },
            round1: None,
        };
        let file = ProofFile {
            version: PROOF_VERSION,
            system: "groth16-bn254".into(),
            model_id: hex::encode([3; 32]),
            outputs: vec![],
            outputs_int: vec![],
            input_commitment: fr_to_hex(&inputs[0]),
            chain_id: 0,
            escrow: format!("0x{}", "00".repeat(20)),
            job_id: 0,
            provider: format!("0x{}", "00".repeat(20)),
            public_inputs: inputs.iter().map(fr_to_hex).collect(),
            proof: ProofFile::encode_proof(&proof).unwrap(),
            mode: crate::ProofMode::Plain,
            round1_commitment: None,
        };
        (key, file)
    }

    #[test]
    fn exports_every_field_snarkjs_reads() {
        let inputs = [Fr::from(5u64), -Fr::from(1u64)];
        let (key, file) = simulated(&inputs);
        let vk = verification_key(&key);
        assert_eq!(vk["protocol"], "groth16");
        assert_eq!(vk["curve"], "bn128");
        assert_eq!(vk["nPublic"], 2);
        assert_eq!(vk["IC"].as_array().unwrap().len(), 3);
        assert_eq!(vk["vk_alpha_1"], g1(&key.vk.alpha_g1));
        assert_eq!(vk["vk_delta_2"], g2(&key.vk.delta_g2));
        let ab = Curve::pairing(key.vk.alpha_g1, key.vk.beta_g2).0;
        assert_eq!(vk["vk_alphabeta_12"], fq12(&ab));

        let p = proof(&file).unwrap();
        let decoded = file.groth16().unwrap();
        assert_eq!(p["pi_a"], g1(&decoded.a));
        assert_eq!(p["pi_b"], g2(&decoded.b));
        assert_eq!(p["pi_c"], g1(&decoded.c));
        assert_eq!(
            (p["protocol"].as_str(), p["curve"].as_str()),
            (Some("groth16"), Some("bn128"))
        );

        let r_minus_1 =
            "21888242871839275222246405745257275088548364400416034343698204186575808495616";
        assert_eq!(public_signals(&file).unwrap(), json!(["5", r_minus_1]));
    }

    #[test]
    fn write_all_writes_three_files_and_refuses_mismatches() {
        let (key, file) = simulated(&[Fr::from(9u64)]);
        let dir = std::env::temp_dir().join(format!("zkinfer-snarkjs-unit-{}", std::process::id()));
        write_all(&dir, &key, &file).unwrap();
        for name in [VERIFICATION_KEY_FILE, PROOF_FILE, PUBLIC_FILE] {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            serde_json::from_str::<Value>(&text).unwrap();
        }
        let public: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(PUBLIC_FILE)).unwrap()).unwrap();
        assert_eq!(public, json!(["9"]));
        std::fs::remove_dir_all(&dir).unwrap();

        let mut other_model = file.clone();
        other_model.model_id = hex::encode([4; 32]);
        assert!(matches!(
            write_all(&dir, &key, &other_model),
            Err(FormatError::WrongModel { .. })
        ));
        let mut extra = file.clone();
        extra.public_inputs.push(fr_to_hex(&Fr::from(1u64)));
        assert!(matches!(
            write_all(&dir, &key, &extra),
            Err(FormatError::Corrupt(_))
        ));
        assert!(!dir.exists(), "nothing is written for a refused export");
    }
}
