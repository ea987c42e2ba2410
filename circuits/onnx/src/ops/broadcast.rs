//! Numpy broadcasting by free index maps: the common shape of two shapes, and the `Select`
//! that spreads a tensor onto it (Mul, Add, Sub and Div of tensors, Expand, Softmax's and
//! LayerNorm's per-row statistics).

use super::NodeCtx;
use crate::float_graph::FOp;
use crate::ImportError;

/// `s` with leading 1s up to `rank` dimensions.
pub(super) fn left_pad(s: &[usize], rank: usize) -> Vec<usize> {
    let mut p = vec![1; rank.saturating_sub(s.len())];
    p.extend_from_slice(s);
    p
}

/// The numpy-broadcast shape of `a` and `b`, or `None` when they do not broadcast.
pub(super) fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    left_pad(a, rank)
        .into_iter()
        .zip(left_pad(b, rank))
        .map(|(x, y)| match (x, y) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// The index map that broadcasts a tensor of shape `from` (the same rank as `to`, each
/// dimension equal or 1) onto `to`, numpy-style.
pub(super) fn broadcast_index(from: &[usize], to: &[usize]) -> Vec<u32> {
    let n: usize = to.iter().product();
    (0..n)
        .map(|flat| {
            let (mut rest, mut src, mut stride) = (flat, 0usize, 1usize);
            for (&d_to, &d_from) in to.iter().zip(from).rev() {
                let coord = rest % d_to;
                rest /= d_to;
                if d_from != 1 {
                    src += coord * stride;
                }
                stride *= d_from;
            }
            src as u32
        })
        .collect()
}

/// Tensor `t` spread onto shape `to` (which its shape broadcasts to): itself when the shapes
/// are equal, else a `Select` node named with `suffix`.
pub(super) fn spread(
    ctx: &mut NodeCtx<'_>,
    t: usize,
    to: &[usize],
    suffix: &str,
) -> Result<usize, ImportError> {
    let from = ctx.shape(t);
    if from == to {
        return Ok(t);
    }
    let index = broadcast_index(&left_pad(&from, to.len()), to);
    ctx.push_tensor(
        suffix,
        FOp::Select {
            shape: to.to_vec(),
            index,
        },
        vec![t],
    )
}

/// Both operands spread onto their common broadcast shape.
pub(super) fn broadcast_pair(
    ctx: &mut NodeCtx<'_>,
    a: usize,
    b: usize,
) -> Result<(usize, usize), ImportError> {
    let (sa, sb) = (ctx.shape(a), ctx.shape(b));
    let Some(out) = broadcast_shape(&sa, &sb) else {
        return Err(ctx.unsupported("B", format!("shapes {sa:?} and {sb:?} do not broadcast")));
    };
    Ok((
        spread(ctx, a, &out, ".broadcast_a")?,
        spread(ctx, b, &out, ".broadcast_b")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::{broadcast_index, broadcast_shape};

    #[test]
    fn broadcasts_size_one_dimensions() {
        assert_eq!(broadcast_index(&[2, 1], &[2, 3]), vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(broadcast_index(&[1, 3], &[2, 3]), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(broadcast_index(&[1, 1], &[2, 2]), vec![0; 4]);
        assert_eq!(broadcast_shape(&[3, 1], &[2, 1, 4]), Some(vec![2, 3, 4]));
        assert_eq!(broadcast_shape(&[3], &[4]), None);
    }
}
