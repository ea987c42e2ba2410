//! Proving-key queries without their identity bases.
//!
//! A wire that never appears in a constraint's A (or B) column has the identity as its
//! `a_query` (`b_g1_query`, `b_g2_query`) base, and a lookup-mode key's round-1 wires have the
//! identity in `l_query`. The MSM still pays for such a base: the scalar is routed and, if it
//! is wide, added into a bucket once per window. In lookup mode that is most of the B MSMs: the
//! ~20k dense round-2 wires (inverses, quotients) sit in A only, and the G2 MSM over B spent
//! more time on them than on the real bases. [`SparseQuery`] keeps the non-identity bases and
//! the indices of their scalars, so each MSM gathers only the scalars that count. The sum is
//! the same group element, so proofs are unchanged.

use ark_bn254::Fr;
use ark_ec::AffineRepr;

/// Where a query's kept bases take their scalars from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scalars {
    /// Every base is kept: the scalars are `values[start..]` (the identity bases, if any, all
    /// precede `start`).
    From(usize),
    /// The scalars are `values[i]` for these ascending indices.
    At(Vec<u32>),
}

/// The bases of a query that are not the identity, with where their scalars come from.
#[derive(Debug)]
pub struct SparseQuery<B> {
    /// The kept bases, prepared by the engine.
    pub bases: B,
    scalars: Scalars,
}

/// Keep an index list only if it drops at least this fraction of the bases (1/`SPARSE_MIN`):
/// gathering the scalars costs a copy, which a nearly dense query does not repay.
const SPARSE_MIN: usize = 16;

impl<B> SparseQuery<B> {
    /// Splits `query` into the bases to keep and the scalars they take, then prepares the kept
    /// bases with `prepare` (an engine's upload, or a copy).
    pub fn new<P: AffineRepr, E>(
        query: &[P],
        prepare: impl FnOnce(&[P]) -> Result<B, E>,
    ) -> Result<Self, E> {
        let len = query.len();
        let leading = query.iter().take_while(|p| p.is_zero()).count();
        let zeros = query.iter().filter(|p| p.is_zero()).count();
        let gather = zeros - leading >= len / SPARSE_MIN && u32::try_from(len).is_ok();
        if !gather {
            return Ok(Self {
                bases: prepare(&query[leading..])?,
                scalars: Scalars::From(leading),
            });
        }
        let (indices, kept): (Vec<u32>, Vec<P>) = query
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_zero())
            .map(|(i, p)| (i as u32, *p))
            .unzip();
        Ok(Self {
            bases: prepare(&kept)?,
            scalars: Scalars::At(indices),
        })
    }

    /// The scalars of the kept bases, taken from `values` (the query's full scalar vector,
    /// `len` long): a slice when nothing is gathered, else a copy.
    pub fn scalars<'a>(&self, values: &'a [Fr]) -> std::borrow::Cow<'a, [Fr]> {
        match &self.scalars {
            Scalars::From(start) => values.get(*start..).unwrap_or_default().into(),
            Scalars::At(indices) => indices
                .iter()
                .map(|&i| values.get(i as usize).copied().unwrap_or_default())
                .collect::<Vec<_>>()
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;

    fn msm(q: &SparseQuery<Vec<G1Affine>>, values: &[Fr]) -> G1Projective {
        G1Projective::msm(&q.bases, &q.scalars(values)).unwrap()
    }

    #[test]
    fn the_kept_bases_give_the_same_sum() {
        let mut rng = ark_std::test_rng();
        let n = 64;
        let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let point = |i: usize| {
            if i.is_multiple_of(3) || i < 5 {
                G1Affine::zero()
            } else {
                G1Projective::rand(&mut rng).into_affine()
            }
        };
        let query: Vec<G1Affine> = (0..n).map(point).collect();
        let expected = G1Projective::msm(&query, &values).unwrap();
        let q = SparseQuery::new(&query, |b| Ok::<_, ()>(b.to_vec())).unwrap();
        assert!(matches!(q.scalars, Scalars::At(_)));
        let kept = query.iter().filter(|p| !p.is_zero()).count();
        assert_eq!((q.bases.len(), q.scalars(&values).len()), (kept, kept));
        assert_eq!(msm(&q, &values), expected);

        // Only leading identities (a lookup key's l_query): a suffix, no copy.
        let mut leading = query.clone();
        for (i, p) in leading.iter_mut().enumerate() {
            if i >= 5 && p.is_zero() {
                *p = G1Projective::rand(&mut rng).into_affine();
            }
        }
        let q = SparseQuery::new(&leading, |b| Ok::<_, ()>(b.to_vec())).unwrap();
        assert_eq!(q.scalars, Scalars::From(5));
        assert_eq!(
            msm(&q, &values),
            G1Projective::msm(&leading, &values).unwrap()
        );
    }

    #[test]
    fn an_all_identity_query_sums_to_zero() {
        let query = vec![G1Affine::zero(); 40];
        let q = SparseQuery::new(&query, |b| Ok::<_, ()>(b.to_vec())).unwrap();
        assert!(q.bases.is_empty());
        let values = vec![Fr::from(7u8); 40];
        assert!(q.scalars(&values).is_empty());
    }
}
