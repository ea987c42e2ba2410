//! Writing `.ptau` files of our own: the empty accumulator of `snarkjs powersoftau new`, a
//! fresh prepared phase 1 with one contribution in one step, and the Lagrange sections of
//! `prepare`.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{scalar_mul::BatchMulPreprocessing, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, One, PrimeField};

use super::contribute::{check_secrets, record};
use super::contributions::{self, create_key, first_challenge_hash, Phase1Kind};
use super::{lagrange, section, Ptau, KIND};
use crate::binfile::BinWriter;
use crate::points::{g1_lem_all, g2_lem_all};
use crate::rng::ChaCha;
use crate::CeremonyError;

/// What `zkinfer ptau new` makes.
pub struct NewPtau {
    /// The prepared file's bytes.
    pub bytes: Vec<u8>,
}

/// The empty accumulator of `snarkjs powersoftau new bn128 <power>`: every point the
/// generator and no contributions (byte-identical to snarkjs's file). Contribute to it with
/// [`super::contribute::contribute`].
pub fn new_accumulator(power: u32) -> Result<Vec<u8>, CeremonyError> {
    check_power(power)?;
    let n = 1usize << power;
    let g1 = G1Affine::from(G1Projective::generator());
    let g2 = G2Affine::from(G2Projective::generator());
    let sections = Sections {
        power,
        tau_g1: vec![g1; 2 * n - 1],
        tau_g2: vec![g2; n],
        alpha_tau_g1: vec![g1; n],
        beta_tau_g1: vec![g1; n],
        beta_g2: g2,
    };
    Ok(sections.write(contributions::write(&[]), None))
}

fn check_power(power: u32) -> Result<(), CeremonyError> {
    if (1..=24).contains(&power) {
        Ok(())
    } else {
        Err(CeremonyError::Unsupported(format!(
            "power {power}: this build makes .ptau files of power 1..=24"
        )))
    }
}

/// A prepared power-`power` `.ptau` with one contribution whose secrets `(τ, α, β)` come from
/// `stream` and are then dropped: the same bytes as [`new_accumulator`], then
/// [`super::contribute::contribute`] with that stream, then [`prepare`], but computed from the
/// secrets in the scalar field (seconds where `prepare` in the group takes minutes). One
/// contributor: as trustworthy as the machine that ran it; add contributions and a beacon
/// (then prepare again) for more.
pub fn new_ptau(
    power: u32,
    name: Option<String>,
    stream: &mut ChaCha,
) -> Result<NewPtau, CeremonyError> {
    check_power(power)?;
    let challenge = first_challenge_hash(power);
    let (secrets, key) = create_key(&challenge, stream);
    check_secrets(&secrets)?;
    let (tau, alpha, beta) = (secrets.tau, secrets.alpha, secrets.beta);
    let n = 1usize << power;
    let powers = powers_of(tau, 2 * n - 1);
    let tau_g1 = batch_g1(&powers);
    let tau_g2 = batch_g2(&powers[..n]);
    let alpha_tau: Vec<Fr> = powers[..n].iter().map(|p| *p * alpha).collect();
    let beta_tau: Vec<Fr> = powers[..n].iter().map(|p| *p * beta).collect();
    let sections = Sections {
        power,
        tau_g1,
        tau_g2,
        alpha_tau_g1: batch_g1(&alpha_tau),
        beta_tau_g1: batch_g1(&beta_tau),
        beta_g2: (G2Projective::generator() * beta).into_affine(),
    };
    // The Lagrange blocks from the known τ: an FFT in the scalar field, then one fixed-base
    // multiplication per point (a group FFT would cost a multiplication per butterfly).
    let l_g1 = lagrange::scalar_blocks(&powers, power + 1);
    let l_n = lagrange::scalar_blocks(&powers[..n], power);
    let scaled = |f: Fr| -> Vec<Fr> { l_n.iter().map(|l| *l * f).collect() };
    let blocks = Blocks {
        g1: g1_lem_all(&batch_g1(&l_g1)),
        g2: g2_lem_all(&batch_g2(&l_n)),
        alpha_g1: g1_lem_all(&batch_g1(&scaled(alpha))),
        beta_g1: g1_lem_all(&batch_g1(&scaled(beta))),
    };
    let record = record(&challenge, &sections, key, name, Phase1Kind::Contribution)?;
    Ok(NewPtau {
        bytes: sections.write(contributions::write(&[record]), Some(blocks)),
    })
}

/// `snarkjs powersoftau prepare phase2`: the same file with the Lagrange sections 12–15
/// added (a prepared file is returned as is, re-written).
pub fn prepare(ptau: &Ptau) -> Result<Vec<u8>, CeremonyError> {
    let sections = Sections::load(ptau)?;
    let contributions = ptau.section_bytes(section::CONTRIBUTIONS)?.to_vec();
    let p = ptau.power;
    let blocks = Blocks {
        g1: lagrange::blocks_g1(&sections.tau_g1, p + 1),
        g2: lagrange::blocks_g2(&sections.tau_g2, p),
        alpha_g1: lagrange::blocks_g1(&sections.alpha_tau_g1, p),
        beta_g1: lagrange::blocks_g1(&sections.beta_tau_g1, p),
    };
    Ok(sections.write(contributions, Some(blocks)))
}

/// `τ^0 .. τ^(count−1)`.
fn powers_of(tau: Fr, count: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(count);
    let mut acc = Fr::one();
    for _ in 0..count {
        out.push(acc);
        acc *= tau;
    }
    out
}

fn batch_g1(scalars: &[Fr]) -> Vec<G1Affine> {
    BatchMulPreprocessing::new(G1Projective::generator(), scalars.len()).batch_mul(scalars)
}

fn batch_g2(scalars: &[Fr]) -> Vec<G2Affine> {
    BatchMulPreprocessing::new(G2Projective::generator(), scalars.len()).batch_mul(scalars)
}

/// The point sections of a `.ptau`.
pub(super) struct Sections {
    pub(super) power: u32,
    pub(super) tau_g1: Vec<G1Affine>,
    pub(super) tau_g2: Vec<G2Affine>,
    pub(super) alpha_tau_g1: Vec<G1Affine>,
    pub(super) beta_tau_g1: Vec<G1Affine>,
    pub(super) beta_g2: G2Affine,
}

/// The LEM bytes of the Lagrange sections 12–15.
pub(super) struct Blocks {
    g1: Vec<u8>,
    g2: Vec<u8>,
    alpha_g1: Vec<u8>,
    beta_g1: Vec<u8>,
}

impl Sections {
    /// The point sections 2–6 of `ptau`, parsed and checked.
    pub(super) fn load(ptau: &Ptau) -> Result<Self, CeremonyError> {
        let n = 1usize << ptau.power;
        Ok(Self {
            power: ptau.power,
            tau_g1: ptau.g1(section::TAU_G1, 0..2 * n - 1)?,
            tau_g2: ptau.g2(section::TAU_G2, 0..n)?,
            alpha_tau_g1: ptau.g1(section::ALPHA_TAU_G1, 0..n)?,
            beta_tau_g1: ptau.g1(section::BETA_TAU_G1, 0..n)?,
            beta_g2: ptau.beta_g2()?,
        })
    }

    /// The file, sections in snarkjs's order (1–7, then 12–15 when prepared).
    pub(super) fn write(&self, contributions: Vec<u8>, blocks: Option<Blocks>) -> Vec<u8> {
        let mut header = 32u32.to_le_bytes().to_vec();
        header.extend_from_slice(&ark_bn254::Fq::MODULUS.to_bytes_le());
        header.extend_from_slice(&self.power.to_le_bytes());
        header.extend_from_slice(&self.power.to_le_bytes());
        let mut w = BinWriter::new(KIND, 1, if blocks.is_some() { 11 } else { 7 });
        w.section(1, &header);
        w.section(section::TAU_G1, &g1_lem_all(&self.tau_g1));
        w.section(section::TAU_G2, &g2_lem_all(&self.tau_g2));
        w.section(section::ALPHA_TAU_G1, &g1_lem_all(&self.alpha_tau_g1));
        w.section(section::BETA_TAU_G1, &g1_lem_all(&self.beta_tau_g1));
        w.section(section::BETA_G2, &g2_lem_all(&[self.beta_g2]));
        w.section(section::CONTRIBUTIONS, &contributions);
        if let Some(b) = blocks {
            w.section(section::LAGRANGE_G1, &b.g1);
            w.section(section::LAGRANGE_G2, &b.g2);
            w.section(section::LAGRANGE_ALPHA_G1, &b.alpha_g1);
            w.section(section::LAGRANGE_BETA_G1, &b.beta_g1);
        }
        w.finish()
    }
}
