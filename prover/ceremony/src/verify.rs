//! Verifying a phase-2 transcript: the whole chain against a recomputed init key (`zkey
//! verify`), or one step against the key before it (a coordinator's check of an upload).
//!
//! Every failure names the check and the contribution it concerns.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use ark_std::rand::rngs::OsRng;

use crate::contribute::draw;
use crate::init::new_zkey_with;
use crate::lookup::{Delta1Record, LookupExt};
use crate::points::g1_section;
use crate::ptau::Ptau;
use crate::r1cs_file::R1cs;
use crate::rng::{beacon_stream, hash_to_g2};
use crate::transcript::{transcript_hash, Contribution, ContributionKind};
use crate::zkey::{section, Zkey};
use crate::CeremonyError;

/// What a verified transcript says: the circuit and who contributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The circuit hash.
    pub cs_hash: [u8; 64],
    /// Every contribution, in order.
    pub contributions: Vec<Summary>,
}

/// One verified contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Its position, from 1.
    pub index: usize,
    /// The name given.
    pub name: Option<String>,
    /// The contribution hash its author was shown.
    pub hash: [u8; 64],
    /// For a beacon: the exponent and the beacon value.
    pub beacon: Option<(u32, Vec<u8>)>,
}

impl Summary {
    fn of(index: usize, c: &Contribution) -> Self {
        Self {
            index,
            name: c.name().map(str::to_owned),
            hash: c.hash(),
            beacon: match &c.kind {
                ContributionKind::Beacon { exp, hash, .. } => Some((*exp, hash.clone())),
                ContributionKind::Contribution { .. } => None,
            },
        }
    }
}

fn invalid<T>(msg: String) -> Result<T, CeremonyError> {
    Err(CeremonyError::Invalid(msg))
}

/// `e(a, d) = e(b, c)`: `(a, b)` and `(c, d)` have the same ratio; no point may be the identity.
pub(crate) fn same_ratio(
    a: G1Projective,
    b: G1Projective,
    c: G2Projective,
    d: G2Projective,
) -> bool {
    if a.is_zero() || b.is_zero() || c.is_zero() || d.is_zero() {
        return false;
    }
    Bn254::multi_pairing([a, -b], [d, c]).is_zero()
}

/// Verifies `zkey`'s whole transcript for `r1cs` and `ptau`: the init is recomputed, every
/// unchanging section must equal it byte for byte, every contribution must prove knowledge
/// of its secret and chain δ, and L and H must be the init's divided by the final δ.
pub fn verify(zkey: &Zkey, r1cs: &R1cs, ptau: &Ptau) -> Result<Report, CeremonyError> {
    verify_circuit(zkey, r1cs, &[], ptau)
}

/// [`verify`] for a circuit whose round-1 wires are `round1` (lookup mode; empty in plain
/// mode), taken from the circuit, never from the key: the `δ₁` chain and `K1` are checked as
/// `δ` and L are.
pub fn verify_circuit(
    zkey: &Zkey,
    r1cs: &R1cs,
    round1: &[u32],
    ptau: &Ptau,
) -> Result<Report, CeremonyError> {
    let init = new_zkey_with(r1cs, ptau, round1)?;
    if zkey.lookup.as_ref().map(|e| &e.indices) != init.lookup.as_ref().map(|e| &e.indices) {
        return invalid(
            "the key's lookup extension (round-1 wires) is not this circuit's (another proof \
             mode or circuit)"
                .into(),
        );
    }
    let (h, i) = (&zkey.header, &init.header);
    for (what, same) in [
        (
            "the wire counts or domain size",
            (h.n_vars, h.n_public, h.domain_size) == (i.n_vars, i.n_public, i.domain_size),
        ),
        (
            "α₁, β₁ or β₂ (another .ptau)",
            (h.alpha_g1, h.beta_g1, h.beta_g2) == (i.alpha_g1, i.beta_g1, i.beta_g2),
        ),
        ("γ₂", h.gamma_g2 == i.gamma_g2),
    ] {
        if !same {
            return invalid(format!(
                "{what} differ from the init key of this circuit and .ptau"
            ));
        }
    }
    if zkey.cs_hash != init.cs_hash {
        return invalid(
            "the circuit hash differs from this circuit's and .ptau's (another circuit, or \
             another .ptau)"
                .into(),
        );
    }
    for (id, name) in [
        (section::IC, "IC"),
        (section::COEFFS, "the coefficients"),
        (section::A, "A"),
        (section::B1, "B1"),
        (section::B2, "B2"),
    ] {
        if zkey.section(id) != init.section(id) {
            return invalid(format!("section {id} ({name}) differs from the init key"));
        }
    }
    let mut delta = G1Affine::generator();
    for (k, c) in zkey.contributions.iter().enumerate() {
        check_record(&zkey.cs_hash, &zkey.contributions[..k], c, &delta, k + 1)?;
        delta = c.delta_after;
    }
    check_delta(zkey, &delta)?;
    check_divided(&init, zkey, &zkey.header.delta_g2, &G2Affine::generator())?;
    if let (Some(before), Some(after)) = (&init.lookup, &zkey.lookup) {
        let mut d1 = G1Affine::generator();
        for (k, c) in zkey.contributions.iter().enumerate() {
            check_delta1_record(&after.records[..k], &after.records[k], c, &d1, k + 1)?;
            d1 = after.records[k].delta1_after;
        }
        check_delta1(after, &d1)?;
        check_k1(before, after)?;
    }
    Ok(Report {
        cs_hash: zkey.cs_hash,
        contributions: zkey
            .contributions
            .iter()
            .enumerate()
            .map(|(k, c)| Summary::of(k + 1, c))
            .collect(),
    })
}

/// Verifies that `next` is `prev` plus one valid contribution (without the circuit or the
/// `.ptau`: what a coordinator checks before passing the key on).
pub fn verify_step(prev: &Zkey, next: &Zkey) -> Result<Summary, CeremonyError> {
    if next.contributions.len() != prev.contributions.len() + 1
        || next.contributions[..prev.contributions.len()] != prev.contributions[..]
    {
        return invalid(format!(
            "the new key's transcript is not the old one ({} contributions) plus one ({} found)",
            prev.contributions.len(),
            next.contributions.len()
        ));
    }
    let (a, b) = (&prev.header, &next.header);
    if next.cs_hash != prev.cs_hash
        || (
            a.n_vars,
            a.n_public,
            a.domain_size,
            a.alpha_g1,
            a.beta_g1,
            a.beta_g2,
            a.gamma_g2,
        ) != (
            b.n_vars,
            b.n_public,
            b.domain_size,
            b.alpha_g1,
            b.beta_g1,
            b.beta_g2,
            b.gamma_g2,
        )
    {
        return invalid("the circuit hash or header differs from the previous key's".into());
    }
    for id in [
        section::IC,
        section::COEFFS,
        section::A,
        section::B1,
        section::B2,
    ] {
        if prev.section(id) != next.section(id) {
            return invalid(format!(
                "section {id} changed; a contribution only changes δ, L and H"
            ));
        }
    }
    let k = next.contributions.len();
    let c = &next.contributions[k - 1];
    check_record(
        &next.cs_hash,
        &prev.contributions,
        c,
        &prev.header.delta_g1,
        k,
    )?;
    check_delta(next, &c.delta_after)?;
    check_divided(prev, next, &next.header.delta_g2, &prev.header.delta_g2)?;
    match (&prev.lookup, &next.lookup) {
        (None, None) => {}
        (Some(before), Some(after)) => {
            if before.indices != after.indices || after.records[..k - 1] != before.records[..] {
                return invalid(
                    "the lookup extension's wires or earlier δ₁ records changed".into(),
                );
            }
            check_delta1_record(
                &before.records,
                &after.records[k - 1],
                c,
                &before.delta1_g1,
                k,
            )?;
            check_delta1(after, &after.records[k - 1].delta1_after)?;
            check_k1(before, after)?;
        }
        _ => return invalid("the lookup extension appeared or disappeared".into()),
    }
    Ok(Summary::of(k, c))
}

/// Contribution `k`: its transcript hash, its proof of knowledge, the δ link from `before`,
/// and, for a beacon, the re-derived secret.
fn check_record(
    cs_hash: &[u8; 64],
    previous: &[Contribution],
    c: &Contribution,
    before: &G1Affine,
    k: usize,
) -> Result<(), CeremonyError> {
    let t = transcript_hash(cs_hash, previous, &c.s, &c.s_d);
    if t != c.transcript {
        return invalid(format!(
            "contribution {k}: the transcript hash does not match the records before it \
             (records reordered, removed or altered)"
        ));
    }
    let r = hash_to_g2(&t).into_group();
    let rd = c.r_d.into_group();
    if !same_ratio(c.s.into_group(), c.s_d.into_group(), r, rd) {
        return invalid(format!(
            "contribution {k}: the proof of knowledge (s, s·d, r·d) fails"
        ));
    }
    if !same_ratio(before.into_group(), c.delta_after.into_group(), r, rd) {
        return invalid(format!(
            "contribution {k}: δ after it is not δ before it times the proved secret"
        ));
    }
    if let ContributionKind::Beacon { exp, hash, .. } = &c.kind {
        let (d, s) = draw(&mut beacon_stream(hash, *exp));
        if s != c.s || (s * d).into_affine() != c.s_d {
            return invalid(format!(
                "contribution {k}: the beacon's secret is not the one its parameters derive"
            ));
        }
    }
    Ok(())
}

/// Contribution `k`'s `δ₁` record: its proof of knowledge over `T₁` (bound to the
/// contribution's `T`), the link from `before`, and for a beacon the re-derived `d₁, s₁`.
fn check_delta1_record(
    previous: &[Delta1Record],
    r: &Delta1Record,
    c: &Contribution,
    before: &G1Affine,
    k: usize,
) -> Result<(), CeremonyError> {
    let t1 = LookupExt::transcript(&c.transcript, previous, &r.s, &r.s_d);
    let r1 = hash_to_g2(&t1).into_group();
    let rd = r.r_d.into_group();
    if !same_ratio(r.s.into_group(), r.s_d.into_group(), r1, rd) {
        return invalid(format!("contribution {k}: the δ₁ proof of knowledge fails"));
    }
    if !same_ratio(before.into_group(), r.delta1_after.into_group(), r1, rd) {
        return invalid(format!(
            "contribution {k}: δ₁ after it is not δ₁ before it times the proved secret"
        ));
    }
    if let ContributionKind::Beacon { exp, hash, .. } = &c.kind {
        let mut stream = beacon_stream(hash, *exp);
        let _ = draw(&mut stream);
        let (d1, s1) = draw(&mut stream);
        if s1 != r.s || (s1 * d1).into_affine() != r.s_d {
            return invalid(format!(
                "contribution {k}: the beacon's δ₁ secret is not the one its parameters derive"
            ));
        }
    }
    Ok(())
}

/// The extension's `[δ₁]₁` is the last record's, and `[δ₁]₂` matches it.
fn check_delta1(ext: &LookupExt, last: &G1Affine) -> Result<(), CeremonyError> {
    if ext.delta1_g1 != *last {
        return invalid("the extension's δ₁ is not the last contribution's".into());
    }
    let (g1, g2) = (G1Projective::generator(), G2Projective::generator());
    if !same_ratio(
        g1,
        ext.delta1_g1.into_group(),
        g2,
        ext.delta1_g2.into_group(),
    ) {
        return invalid("the extension's [δ₁]₂ does not match its [δ₁]₁".into());
    }
    Ok(())
}

/// `K1` of `after` is that of `before` times `δ₁_before/δ₁_after`.
fn check_k1(before: &LookupExt, after: &LookupExt) -> Result<(), CeremonyError> {
    let b = before.k1_points()?;
    let a = after.k1_points()?;
    let rho: Vec<Fr> = (0..b.len()).map(|_| Fr::rand(&mut OsRng)).collect();
    let sb = G1Projective::msm_unchecked(&b, &rho);
    let sa = G1Projective::msm_unchecked(&a, &rho);
    let pairs = [before.delta1_g2.into_group(), after.delta1_g2.into_group()];
    if a.len() == b.len() && Bn254::multi_pairing([sb, -sa], pairs).is_zero() {
        Ok(())
    } else {
        invalid(
            "K1 (section 11) is not the previous key's divided by the new δ₁ (a point was \
             changed)"
                .into(),
        )
    }
}

/// The header's δ₁ is the last contribution's, and δ₂ matches it.
fn check_delta(zkey: &Zkey, last: &G1Affine) -> Result<(), CeremonyError> {
    if zkey.header.delta_g1 != *last {
        return invalid("the header's δ₁ is not the last contribution's δ".into());
    }
    let (g1, g2) = (G1Projective::generator(), G2Projective::generator());
    if !same_ratio(
        g1,
        zkey.header.delta_g1.into_group(),
        g2,
        zkey.header.delta_g2.into_group(),
    ) {
        return invalid("the header's δ₂ does not match its δ₁".into());
    }
    Ok(())
}

/// L and H of `after` are those of `before` times `δ_before/δ_after`:
/// `e(Σρ_i·P_i^before, δ₂_before) = e(Σρ_i·P_i^after, δ₂_after)` with random `ρ` from the OS,
/// for each section.
fn check_divided(
    before: &Zkey,
    after: &Zkey,
    delta_after: &G2Affine,
    delta_before: &G2Affine,
) -> Result<(), CeremonyError> {
    for (id, name) in [(section::L, "L"), (section::H, "H")] {
        let b = g1_section(before.section(id), &format!("section {id} ({name}) before"))?;
        let a = g1_section(after.section(id), &format!("section {id} ({name})"))?;
        let rho: Vec<Fr> = (0..b.len()).map(|_| Fr::rand(&mut OsRng)).collect();
        let sb = G1Projective::msm_unchecked(&b, &rho);
        let sa = G1Projective::msm_unchecked(&a, &rho);
        let ok = Bn254::multi_pairing(
            [sb, -sa],
            [delta_before.into_group(), delta_after.into_group()],
        )
        .is_zero();
        if !ok {
            return invalid(format!(
                "section {id} ({name}) is not the previous key's divided by the new δ (a point \
                 was changed)"
            ));
        }
    }
    Ok(())
}
