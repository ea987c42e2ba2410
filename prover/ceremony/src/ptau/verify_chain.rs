//! Verifying a phase-1 transcript (what `snarkjs powersoftau verify` checks, and one check
//! more): every contribution's proofs of knowledge against the challenge it answered, a
//! beacon's key against its public value, every contribution's points following the
//! previous ones by the proven secrets, the file's points being the last contribution's, the
//! last next-challenge hash being the hash of the file's points, and (ours) the last response
//! hash committing to those points. Powers and Lagrange sections: [`super::Ptau::check_consistency`].

use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::PrimeGroup;

use super::contribute::{next_challenge, response_state};
use super::contributions::{
    create_key, first_challenge_hash, g2_sp, KnowledgeProof, Phase1Contribution, Phase1Kind,
};
use super::write::Sections;
use super::Ptau;
use crate::hasher::{Blake2bState, PARTIAL_SIZE};
use crate::rng::beacon_stream;
use crate::CeremonyError;

/// One verified contribution, for listing.
#[derive(Clone, Debug)]
pub struct Phase1Summary {
    /// 1-based position in the transcript.
    pub id: usize,
    /// The contributor's name.
    pub name: Option<String>,
    /// Contribution or beacon.
    pub kind: Phase1Kind,
    /// Its response hash (the contribution hash contributors publish).
    pub response_hash: [u8; 64],
    /// The hash of the points it left.
    pub next_challenge: [u8; 64],
}

/// The points before the first contribution, and the challenge they make.
struct Previous {
    tau_g1: G1Affine,
    tau_g2: G2Affine,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    challenge: [u8; 64],
}

impl Previous {
    fn initial(ceremony_power: u32) -> Self {
        let g1 = G1Affine::from(G1Projective::generator());
        let g2 = G2Affine::from(G2Projective::generator());
        Self {
            tau_g1: g1,
            tau_g2: g2,
            alpha_g1: g1,
            beta_g1: g1,
            beta_g2: g2,
            challenge: first_challenge_hash(ceremony_power),
        }
    }

    fn after(c: &Phase1Contribution) -> Self {
        Self {
            tau_g1: c.tau_g1,
            tau_g2: c.tau_g2,
            alpha_g1: c.alpha_g1,
            beta_g1: c.beta_g1,
            beta_g2: c.beta_g2,
            challenge: c.next_challenge,
        }
    }
}

/// Verifies the transcript of `ptau` and lists its contributions, first to last.
pub fn verify_transcript(ptau: &Ptau) -> Result<Vec<Phase1Summary>, CeremonyError> {
    let list = ptau.contributions()?;
    let Some(last) = list.last() else {
        return Err(CeremonyError::Invalid(
            "the .ptau has no contributions: its powers are the generator's (τ = 1), known to \
             everyone"
                .into(),
        ));
    };
    let mut prev = Previous::initial(ptau.ceremony_power);
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        verify_one(c, &prev, i + 1)?;
        out.push(Phase1Summary {
            id: i + 1,
            name: c.name.clone(),
            kind: c.kind.clone(),
            response_hash: c.response_hash()?,
            next_challenge: c.next_challenge,
        });
        prev = Previous::after(c);
    }
    let challenge = match list.len() {
        1 => first_challenge_hash(ptau.ceremony_power),
        n => list[n - 2].next_challenge,
    };
    verify_file_points(ptau, last, &challenge)?;
    Ok(out)
}

fn verify_one(c: &Phase1Contribution, prev: &Previous, id: usize) -> Result<(), CeremonyError> {
    let fail = |what: String| {
        Err(CeremonyError::Invalid(format!(
            "contribution #{id}: {what}"
        )))
    };
    if let Phase1Kind::Beacon { hash, exp } = &c.kind {
        let (_, key) = create_key(&prev.challenge, &mut beacon_stream(hash, *exp));
        if key != c.key {
            return fail("its key is not the one its beacon value gives".into());
        }
    }
    let mut sp = Vec::with_capacity(3);
    for (personalisation, p) in c.key.parts() {
        let r = g2_sp(personalisation, &prev.challenge, p);
        if !proof_holds(p, r) {
            let x = ["τ", "α", "β"][personalisation as usize];
            return fail(format!(
                "the proof of knowledge of {x} does not hold for the challenge it must answer \
                 (forged, or made for another transcript)"
            ));
        }
        sp.push(r);
    }
    let (tau, alpha, beta) = (&c.key.tau, &c.key.alpha, &c.key.beta);
    let checks = [
        (same_ratio(prev.tau_g1, c.tau_g1, sp[0], tau.g2_spx), "[τ]₁"),
        (
            same_ratio(tau.g1_s, tau.g1_sx, prev.tau_g2, c.tau_g2),
            "[τ]₂",
        ),
        (
            same_ratio(prev.alpha_g1, c.alpha_g1, sp[1], alpha.g2_spx),
            "[α]₁",
        ),
        (
            same_ratio(prev.beta_g1, c.beta_g1, sp[2], beta.g2_spx),
            "[β]₁",
        ),
        (
            same_ratio(beta.g1_s, beta.g1_sx, prev.beta_g2, c.beta_g2),
            "[β]₂",
        ),
    ];
    for (ok, what) in checks {
        if !ok {
            return fail(format!(
                "its {what} does not follow the previous contribution by its proven secret"
            ));
        }
    }
    Ok(())
}

fn proof_holds(p: &KnowledgeProof, r: G2Affine) -> bool {
    same_ratio(p.g1_s, p.g1_sx, r, p.g2_spx)
}

/// `b/a = d/c` in the exponent; identity points never pass.
fn same_ratio(a: G1Affine, b: G1Affine, c: G2Affine, d: G2Affine) -> bool {
    crate::verify::same_ratio(a.into(), b.into(), c.into(), d.into())
}

/// The file's points are the last contribution's, hash to its next challenge, and (when the
/// file is not reduced) its response hash commits to them.
fn verify_file_points(
    ptau: &Ptau,
    last: &Phase1Contribution,
    challenge: &[u8; 64],
) -> Result<(), CeremonyError> {
    let fail = |what: &str| Err(CeremonyError::Invalid(format!("the file's points: {what}")));
    let s = Sections::load(ptau)?;
    let g1 = G1Affine::from(G1Projective::generator());
    let g2 = G2Affine::from(G2Projective::generator());
    if s.tau_g1[0] != g1 || s.tau_g2[0] != g2 {
        return fail("the first powers of τ are not the generators");
    }
    let pairs = [
        (s.tau_g1.get(1) == Some(&last.tau_g1), "[τ]₁"),
        (s.tau_g2.get(1) == Some(&last.tau_g2), "[τ]₂"),
        (s.alpha_tau_g1[0] == last.alpha_g1, "[α]₁"),
        (s.beta_tau_g1[0] == last.beta_g1, "[β]₁"),
        (s.beta_g2 == last.beta_g2, "[β]₂"),
    ];
    for (ok, what) in pairs {
        if !ok {
            return fail(&format!("{what} is not the last contribution's"));
        }
    }
    if ptau.power != ptau.ceremony_power {
        return Ok(());
    }
    let response = last.response_hash()?;
    if next_challenge(&response, &s) != last.next_challenge {
        return fail("they do not hash to the last contribution's next challenge");
    }
    if !same_state(&response_state(challenge, &s), &last.partial_hash) {
        return fail("the last contribution's response hash does not commit to them");
    }
    Ok(())
}

/// Whether a saved hasher state is `state`: the chaining value, the counts and the buffered
/// bytes (what lies past the buffered bytes is left over and does not count).
fn same_state(state: &Blake2bState, saved: &[u8; PARTIAL_SIZE]) -> bool {
    let ours = state.to_partial();
    let pos = u64::from_le_bytes(saved[200..208].try_into().unwrap_or([0; 8])) as usize;
    ours[128..208] == saved[128..208] && pos <= 128 && ours[..pos] == saved[..pos]
}
