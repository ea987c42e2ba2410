//! Adaptive `eth_getLogs` ranges: a query the node refuses (range too wide, too many results,
//! a timeout) is asked again over half the blocks, down to one block, after which the error
//! surfaces; each success doubles the range again, up to its maximum. Generic over the query so
//! it is tested without a node.

use std::future::Future;

/// The span of the next log query, between 1 and a maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LogRange {
    span: u64,
    max: u64,
}

impl LogRange {
    /// Starts at `max` blocks per query (at least 1).
    pub(crate) fn new(max: u64) -> Self {
        let max = max.max(1);
        LogRange { span: max, max }
    }

    /// Blocks the next query spans.
    #[cfg(test)]
    pub(crate) fn span(&self) -> u64 {
        self.span
    }

    /// Queries the logs of the first chunk of `from..=to` (at most [`LogRange::span`] blocks),
    /// halving the chunk while `query` fails. Returns the chunk's last block with its logs, or
    /// the error of a one-block query. The caller moves its cursor past the returned block.
    pub(crate) async fn next_chunk<T, E, F, Fut>(
        &mut self,
        from: u64,
        to: u64,
        mut query: F,
    ) -> Result<(u64, Vec<T>), E>
    where
        F: FnMut(u64, u64) -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        loop {
            let end = to.min(from.saturating_add(self.span - 1));
            match query(from, end).await {
                Ok(logs) => {
                    self.span = self.span.saturating_mul(2).min(self.max);
                    return Ok((end, logs));
                }
                Err(e) if end == from => return Err(e),
                Err(_) => {
                    // half the blocks actually asked (fewer than the span near `to`), rounded down
                    self.span = (end - from).div_ceil(2).max(1);
                    tracing::debug!(from, span = self.span, "eth_getLogs refused; halving");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// A node that refuses queries wider than `limit` blocks, recording every query.
    fn refusing(
        limit: u64,
        asked: &RefCell<Vec<(u64, u64)>>,
    ) -> impl FnMut(u64, u64) -> std::future::Ready<Result<Vec<u64>, String>> + '_ {
        move |from, to| {
            asked.borrow_mut().push((from, to));
            std::future::ready(if to - from + 1 > limit {
                Err(format!("range {from}..={to} too wide"))
            } else {
                Ok((from..=to).filter(|b| b % 100 == 0).collect())
            })
        }
    }

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_refused_range_is_halved_then_grows_back() {
        let asked = RefCell::new(Vec::new());
        let mut range = LogRange::new(2_000);
        let (end, logs) = block_on(range.next_chunk(0, 10_000, refusing(600, &asked))).unwrap();
        // 2000 → 1000 → 500 blocks: the first that passes
        assert_eq!(asked.borrow().as_slice(), &[(0, 1_999), (0, 999), (0, 499)]);
        assert_eq!((end, logs), (499, vec![0, 100, 200, 300, 400]));
        // a success doubles the span (500 → 1000, refused; back to 500)
        assert_eq!(range.span(), 1_000);
        asked.borrow_mut().clear();
        let (end, _) = block_on(range.next_chunk(500, 10_000, refusing(600, &asked))).unwrap();
        assert_eq!(asked.borrow().as_slice(), &[(500, 1_499), (500, 999)]);
        assert_eq!(end, 999);
        // once the node takes wide ranges again, the span climbs back to its maximum
        for from in [1_000, 2_000, 4_000] {
            block_on(range.next_chunk(from, 100_000, refusing(u64::MAX, &asked))).unwrap();
        }
        assert_eq!(range.span(), 2_000);
    }

    #[test]
    fn the_chunk_never_passes_the_last_block() {
        let asked = RefCell::new(Vec::new());
        let mut range = LogRange::new(2_000);
        let (end, _) = block_on(range.next_chunk(10, 12, refusing(2, &asked))).unwrap();
        // 10..=12 is 3 blocks: halved to 1 block (3 / 2), which passes
        assert_eq!(asked.borrow().as_slice(), &[(10, 12), (10, 10)]);
        assert_eq!(end, 10);
    }

    #[test]
    fn a_refused_single_block_surfaces_the_error() {
        let asked = RefCell::new(Vec::new());
        let mut range = LogRange::new(8);
        let err = block_on(range.next_chunk(0, 100, refusing(0, &asked))).unwrap_err();
        assert_eq!(err, "range 0..=0 too wide");
        assert_eq!(asked.borrow().as_slice(), &[(0, 7), (0, 3), (0, 1), (0, 0)]);
        assert_eq!(range.span(), 1);
    }
}
