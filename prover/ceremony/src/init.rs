//! `zkey new`: the initial key of a circuit from a prepared `.ptau`, byte for byte what
//! `snarkjs zkey new` writes, and its circuit hash (`csHash`).
//!
//! Over the domain of `n = 2^k ≥ constraints + public + 1` points, with `[L_i]` the Lagrange
//! blocks of the `.ptau`: `A_j = Σ a_ij·[L_i]₁`, `B_j = Σ b_ij·[L_i]` in both groups, and for
//! every wire `Σ a_ij·[βL_i]₁ + b_ij·[αL_i]₁ + c_ij·[L_i]₁`, public wires into IC and private
//! ones into L (γ = δ = 1). Row `constraints + s` of A holds wire `s ≤ nPublic` (as libsnark
//! and arkworks add it). H is the odd half of the `2n` block: `[L^(2n)_(2i+1)(τ)]₁`.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

use crate::points::{g1_to_u, g1_u_all, g2_to_u, g2_u_all, G1_SIZE};
use crate::ptau::{section as ps, Ptau};
use crate::r1cs_file::R1cs;
use crate::zkey::{section as zs, Header, Zkey};
use crate::CeremonyError;

/// Which Lagrange section a term of IC or L multiplies.
#[derive(Clone, Copy)]
enum Base {
    Tau,
    Alpha,
    Beta,
}

/// The QAP domain's power for `r1cs`: the smallest `k` with `2^k ≥ constraints + public + 1`.
pub fn circuit_power(r1cs: &R1cs) -> u32 {
    let wanted = r1cs.constraints.len() + r1cs.num_public + 1;
    wanted.next_power_of_two().trailing_zeros()
}

/// The circuit's init key from a prepared `ptau` (plain mode: byte for byte snarkjs's).
pub fn new_zkey(r1cs: &R1cs, ptau: &Ptau) -> Result<Zkey, CeremonyError> {
    new_zkey_with(r1cs, ptau, &[])
}

/// The init key with the round-1 wires `round1` (witness indices, ascending; empty in plain
/// mode) moved out of L into the lookup extension ([`crate::lookup`]).
pub fn new_zkey_with(r1cs: &R1cs, ptau: &Ptau, round1: &[u32]) -> Result<Zkey, CeremonyError> {
    let k = circuit_power(r1cs);
    if k > ptau.power {
        return Err(CeremonyError::Unsupported(format!(
            "the circuit needs a domain of 2^{k} points ({} constraints, {} public inputs), the \
             .ptau has power {}",
            r1cs.constraints.len(),
            r1cs.num_public,
            ptau.power
        )));
    }
    if k >= 28 {
        return Err(CeremonyError::Unsupported(format!(
            "a domain of 2^{k} points"
        )));
    }
    let n = 1usize << k;
    let l_tau = ptau.lagrange_g1(ps::LAGRANGE_G1, k)?;
    let l_tau2 = ptau.lagrange_g2(k)?;
    let l_alpha = ptau.lagrange_g1(ps::LAGRANGE_ALPHA_G1, k)?;
    let l_beta = ptau.lagrange_g1(ps::LAGRANGE_BETA_G1, k)?;
    let terms = Terms::of(r1cs);

    let a = combine_g1(&terms.ab[0], |_| &l_tau);
    let b1 = combine_g1(&terms.ab[1], |_| &l_tau);
    let b2 = combine_g2(&terms.ab[1], &l_tau2);
    let abc = combine_g1(&terms.abc, |b| match b {
        Base::Tau => &l_tau,
        Base::Alpha => &l_alpha,
        Base::Beta => &l_beta,
    });
    let (ic, l) = abc.split_at(r1cs.num_public + 1);
    let mut l = l.to_vec();
    let lookup = split_round1(&mut l, round1)?;
    let h = odd_lagrange(ptau, n)?;

    let header = Header {
        n_vars: r1cs.num_vars as u32,
        n_public: r1cs.num_public as u32,
        domain_size: n as u32,
        alpha_g1: ptau.alpha_g1()?,
        beta_g1: ptau.beta_g1()?,
        beta_g2: ptau.beta_g2()?,
        gamma_g2: G2Affine::generator(),
        delta_g1: G1Affine::generator(),
        delta_g2: G2Affine::generator(),
    };
    let base = circuit_hash(&header, ptau, [ic, &l, &a, &b1], &b2)?;

    let lem = crate::points::g1_lem_all;
    let sections = [
        (zs::IC, lem(ic)),
        (zs::COEFFS, terms.coefficients),
        (zs::A, lem(&a)),
        (zs::B1, lem(&b1)),
        (zs::B2, crate::points::g2_lem_all(&b2)),
        (zs::L, lem(&l)),
        (zs::H, h),
    ];
    let cs_hash = match &lookup {
        Some(ext) => ext.circuit_hash(&base)?,
        None => base,
    };
    Ok(Zkey {
        header,
        sections: sections.into_iter().collect(),
        cs_hash,
        contributions: Vec::new(),
        lookup,
    })
}

/// Lookup mode: takes the round-1 wires' bases out of L (the identity there) into the
/// extension's `K1`; `None` in plain mode.
fn split_round1(
    l: &mut [G1Affine],
    round1: &[u32],
) -> Result<Option<crate::lookup::LookupExt>, CeremonyError> {
    if round1.is_empty() {
        return Ok(None);
    }
    let mut k1 = Vec::with_capacity(round1.len());
    for &i in round1 {
        let base = l.get_mut(i as usize).ok_or_else(|| {
            CeremonyError::Unsupported(format!("round-1 wire {i} beyond the witness"))
        })?;
        k1.push(*base);
        *base = G1Affine::zero();
    }
    Ok(Some(crate::lookup::LookupExt::init(round1.to_vec(), &k1)))
}

/// Section 9: the odd points of the `.ptau`'s Lagrange block of size `2n` (raw bytes).
fn odd_lagrange(ptau: &Ptau, n: usize) -> Result<Vec<u8>, CeremonyError> {
    let block = ptau.section_bytes(ps::LAGRANGE_G1)?;
    let start = (2 * n - 1) * G1_SIZE;
    Ok((0..n)
        .flat_map(|i| {
            let at = start + (2 * i + 1) * G1_SIZE;
            block[at..at + G1_SIZE].iter().copied()
        })
        .collect())
}

/// snarkjs's circuit hash: the header's points, then IC, the H differences, L, A, B₁ (the
/// `g1` lists in that order but H) and B₂, each list with its length.
fn circuit_hash(
    header: &Header,
    ptau: &Ptau,
    [ic, l, a, b1]: [&[G1Affine]; 4],
    b2: &[G2Affine],
) -> Result<[u8; 64], CeremonyError> {
    let mut hasher = Blake2b512::new();
    hasher.update(g1_to_u(&header.alpha_g1));
    hasher.update(g1_to_u(&header.beta_g1));
    hasher.update(g2_to_u(&header.beta_g2));
    hasher.update(g2_to_u(&header.gamma_g2));
    hasher.update(g1_to_u(&header.delta_g1));
    hasher.update(g2_to_u(&header.delta_g2));
    hash_list(&mut hasher, ic.len(), &g1_u_all(ic));
    hash_h_points(&mut hasher, ptau, header.domain_size as usize)?;
    for list in [l, a, b1] {
        hash_list(&mut hasher, list.len(), &g1_u_all(list));
    }
    hash_list(&mut hasher, b2.len(), &g2_u_all(b2));
    Ok(hasher.finalize().into())
}

/// Every wire's terms, by matrix and by base, and section 4's bytes.
struct Terms {
    /// A's and B's `(row, coefficient)` per wire.
    ab: [Vec<Vec<(Base, u32, Fr)>>; 2],
    /// `(base, row, coefficient)` per wire for IC and L.
    abc: Vec<Vec<(Base, u32, Fr)>>,
    /// Section 4: `u32 count`, then `u32 matrix, u32 row, u32 wire, coefficient·R²` (LE).
    coefficients: Vec<u8>,
}

impl Terms {
    fn of(r1cs: &R1cs) -> Self {
        let vars = r1cs.num_vars;
        let mut ab = [vec![Vec::new(); vars], vec![Vec::new(); vars]];
        let mut abc = vec![Vec::new(); vars];
        let mut coeffs: Vec<(u32, u32, u32, Fr)> = Vec::new();
        let bases = [Base::Beta, Base::Alpha, Base::Tau];
        for (row, lcs) in r1cs.constraints.iter().enumerate() {
            let row = row as u32;
            for (m, lc) in lcs.iter().enumerate() {
                for &(wire, c) in lc {
                    if m < 2 {
                        ab[m][wire as usize].push((Base::Tau, row, c));
                        coeffs.push((m as u32, row, wire, c));
                    }
                    abc[wire as usize].push((bases[m], row, c));
                }
            }
        }
        let rows = r1cs.constraints.len() as u32;
        for s in 0..=r1cs.num_public as u32 {
            ab[0][s as usize].push((Base::Tau, rows + s, Fr::one()));
            abc[s as usize].push((Base::Beta, rows + s, Fr::one()));
            coeffs.push((0, rows + s, s, Fr::one()));
        }
        let r = Fr::from(2u64).pow([256u64]);
        let r2 = r * r;
        let mut coefficients = Vec::with_capacity(4 + coeffs.len() * 44);
        coefficients.extend_from_slice(&(coeffs.len() as u32).to_le_bytes());
        for (m, row, wire, c) in coeffs {
            for v in [m, row, wire] {
                coefficients.extend_from_slice(&v.to_le_bytes());
            }
            coefficients.extend_from_slice(&(c * r2).into_bigint().to_bytes_le());
        }
        Self {
            ab,
            abc,
            coefficients,
        }
    }
}

/// `c·p`, cheap for the small signed coefficients circuits are made of.
fn times<P: AffineRepr<ScalarField = Fr>>(p: &P, c: &Fr) -> P::Group {
    if c.is_one() {
        return p.into_group();
    }
    let neg = -*c;
    if neg.is_one() {
        return -p.into_group();
    }
    let (pos, negb) = (c.into_bigint(), neg.into_bigint());
    if pos.num_bits() <= 128 {
        p.mul_bigint(pos)
    } else if negb.num_bits() <= 128 {
        -p.mul_bigint(negb)
    } else {
        p.into_group() * c
    }
}

fn combine_g1<'a>(
    terms: &[Vec<(Base, u32, Fr)>],
    base: impl Fn(Base) -> &'a Vec<G1Affine> + Sync,
) -> Vec<G1Affine> {
    let sums: Vec<G1Projective> = terms
        .par_iter()
        .map(|t| {
            t.iter().fold(G1Projective::zero(), |acc, (b, row, c)| {
                acc + times(&base(*b)[*row as usize], c)
            })
        })
        .collect();
    G1Projective::normalize_batch(&sums)
}

fn combine_g2(terms: &[Vec<(Base, u32, Fr)>], base: &[G2Affine]) -> Vec<G2Affine> {
    let sums: Vec<G2Projective> = terms
        .par_iter()
        .map(|t| {
            t.iter().fold(G2Projective::zero(), |acc, (_, row, c)| {
                acc + times(&base[*row as usize], c)
            })
        })
        .collect();
    G2Projective::normalize_batch(&sums)
}

/// A list as csHash takes it: its length as a big-endian u32, then its U-encoded points.
fn hash_list(h: &mut Blake2b512, len: usize, u_points: &[u8]) {
    h.update((len as u32).to_be_bytes());
    h.update(u_points);
}

/// The H part of csHash: `n − 1` (big-endian), then `U([τ^(n+i)]₁ − [τ^i]₁)`.
///
/// snarkjs hashes these in chunks of `min(n − 1, 2^14)` points, rounded up, so above
/// `n = 2^14` it hashes `n` points, not `n − 1`. When the domain is as large as the `.ptau`,
/// the last point `τ^(2n−1)` lies past section 2 and snarkjs reads the file's next 64 bytes
/// as if they were a point; [`crate::wasm_quirk`] reproduces that arithmetic so the hash (and
/// `snarkjs zkey verify`) agree.
fn hash_h_points(h: &mut Blake2b512, ptau: &Ptau, n: usize) -> Result<(), CeremonyError> {
    h.update(((n - 1) as u32).to_be_bytes());
    let chunk = (n - 1).min(1 << 14);
    let count = if chunk == 0 {
        0
    } else {
        (n - 1).div_ceil(chunk) * chunk
    };
    let in_section = (2 * n - 1).min(ptau.section_bytes(ps::TAU_G1)?.len() / G1_SIZE);
    let tau = ptau.g1(ps::TAU_G1, 0..in_section)?;
    let diffs: Vec<G1Projective> = (0..count)
        .into_par_iter()
        .filter(|&i| n + i < in_section)
        .map(|i| tau[n + i].into_group() - tau[i])
        .collect();
    h.update(g1_u_all(&G1Projective::normalize_batch(&diffs)));
    for i in (0..count).filter(|&i| n + i >= in_section) {
        let at = ptau.section_start(ps::TAU_G1)? + (n + i) * G1_SIZE;
        let raw = ptau.bytes().get(at..at + G1_SIZE).ok_or_else(|| {
            CeremonyError::Unsupported(
                "the .ptau ends right after its τ powers, where snarkjs's circuit hash of a \
                 full-size domain reads 64 more bytes"
                    .into(),
            )
        })?;
        let u = crate::wasm_quirk::sub_affine_u(raw, &tau[i]).ok_or_else(|| {
            CeremonyError::Unsupported(
                "the bytes after the .ptau's τ powers are the negation of [τ^(n−1)]₁".into(),
            )
        })?;
        h.update(u);
    }
    Ok(())
}
