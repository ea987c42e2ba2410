//! The node's price: the least a job must pay before the node spends a proof and gas on it.
//! Pure, so every figure in a refusal is unit-tested; the gas price is read once per poll.

use std::collections::BTreeMap;

use zkinfer_evm::{Address, U256};

use super::check::Skip;

/// Gas the node expects to spend on one job: `submitResult` (about 254k on the bundled mlp,
/// most of it the pairing check) plus `withdraw` (about 40k). Lookup-mode models add
/// [`LOOKUP_EXTRA_GAS`].
pub const JOB_GAS: u64 = 300_000;

/// Gas a lookup-mode job costs on top of [`PricePolicy::job_gas`]: its `submitResult` verifies
/// one pairing more and hashes the challenge (297k against 254k on the 10-class mlp).
pub const LOOKUP_EXTRA_GAS: u64 = 45_000;

/// What jobs must pay for the node to take them.
///
/// An ETH job must pay at least the largest of: [`PricePolicy::min_payment`], its model's own
/// minimum ([`crate::provider::ServedModel::min_payment`]), and what it costs the node: the
/// gas ([`PricePolicy::job_gas`] × the chain's current gas price × (100 + margin) %) plus the
/// model's measured proof time × [`PricePolicy::wei_per_proof_second`].
/// A token job's value in ETH is unknown to the node, so it is taken only at a minimum given
/// for its token ([`PricePolicy::token_minimums`]); others are skipped.
#[derive(Clone, Debug)]
pub struct PricePolicy {
    /// The least wei an ETH job of any model must pay.
    pub min_payment: U256,
    /// Gas one job costs the node (submission and withdrawal).
    pub job_gas: u64,
    /// Percent added to the gas cost (what the node wants on top of gas, for its proving).
    pub gas_margin_pct: u64,
    /// Wei per second of the model's measured proof time (what the node's machine costs);
    /// zero: proving time is not priced.
    pub wei_per_proof_second: U256,
    /// The least amount, in token units, a job paying in each accepted ERC-20 token must pay.
    pub token_minimums: BTreeMap<Address, U256>,
}

impl Default for PricePolicy {
    /// No minimum beyond gas: [`JOB_GAS`] at the current gas price plus 50 %; proof time not
    /// priced; no tokens.
    fn default() -> Self {
        PricePolicy {
            min_payment: U256::ZERO,
            job_gas: JOB_GAS,
            gas_margin_pct: 50,
            wei_per_proof_second: U256::ZERO,
            token_minimums: BTreeMap::new(),
        }
    }
}

impl PricePolicy {
    /// Wei the gas of one plain-mode job costs at `gas_price` (wei per gas), margin included.
    pub fn gas_floor(&self, gas_price: u128) -> U256 {
        self.gas_floor_of(self.job_gas, gas_price)
    }

    /// Wei `gas` costs at `gas_price`, margin included.
    fn gas_floor_of(&self, gas: u64, gas_price: u128) -> U256 {
        U256::from(gas)
            * U256::from(gas_price)
            * U256::from(100u64.saturating_add(self.gas_margin_pct))
            / U256::from(100u8)
    }

    /// Wei a proof taking `proof_ms` milliseconds costs the node (rounded up).
    pub fn proof_cost(&self, proof_ms: u64) -> U256 {
        (self.wei_per_proof_second * U256::from(proof_ms)).div_ceil(U256::from(1000u16))
    }

    /// Whether a job paying `amount` of `token` (zero: ETH) for a model whose own minimum is
    /// `model_min` and whose last proof took `proof_ms` is worth proving at `gas_price`; the
    /// refusal names the figures.
    pub(crate) fn check(
        &self,
        token: Address,
        amount: U256,
        model: ModelPrice,
        gas_price: u128,
    ) -> Result<(), Skip> {
        if token != Address::ZERO {
            return match self.token_minimums.get(&token) {
                None => Err(Skip::UnpricedToken { token }),
                Some(&min) if amount < min => Err(Skip::TokenUnderpaid { token, amount, min }),
                Some(_) => Ok(()),
            };
        }
        let minimum = self.min_payment.max(model.min_payment);
        let gas = self
            .job_gas
            .saturating_add(if model.lookup { LOOKUP_EXTRA_GAS } else { 0 });
        let cost = self.gas_floor_of(gas, gas_price) + self.proof_cost(model.proof_ms);
        if amount < minimum || amount < cost {
            let mut basis = format!(
                "minimum {minimum} wei; gas {gas} × {gas_price} wei/gas + {} %",
                self.gas_margin_pct
            );
            if !self.wei_per_proof_second.is_zero() {
                basis += &format!(
                    "; proof {} ms × {} wei/s",
                    model.proof_ms, self.wei_per_proof_second
                );
            }
            return Err(Skip::Underpaid {
                amount,
                price: minimum.max(cost),
                basis,
            });
        }
        Ok(())
    }
}

/// What the price of one model's jobs depends on besides the policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ModelPrice {
    /// The model's own minimum, wei.
    pub(crate) min_payment: U256,
    /// Its last measured proof time, milliseconds.
    pub(crate) proof_ms: u64,
    /// Whether its proofs are lookup-mode (their submission costs [`LOOKUP_EXTRA_GAS`] more).
    pub(crate) lookup: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GWEI: u128 = 1_000_000_000;

    #[test]
    fn eth_jobs_pay_the_largest_of_minimum_model_minimum_and_gas() {
        let p = PricePolicy {
            min_payment: U256::from(1_000u64),
            ..PricePolicy::default()
        };
        // 300k gas × 2 gwei × 150 % = 9e14 wei
        assert_eq!(p.gas_floor(2 * GWEI), U256::from(900_000_000_000_000u64));
        let e = p
            .check(
                Address::ZERO,
                U256::from(1u8),
                ModelPrice::default(),
                2 * GWEI,
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "pays 1 wei, below the node's price of 900000000000000 wei (minimum 1000 wei; \
             gas 300000 × 2000000000 wei/gas + 50 %)"
        );
        assert!(p
            .check(
                Address::ZERO,
                U256::from(900_000_000_000_000u64),
                ModelPrice::default(),
                2 * GWEI
            )
            .is_ok());
        // a model's own minimum above the gas
        let model_min = ModelPrice {
            min_payment: U256::from(10u64.pow(16)),
            ..ModelPrice::default()
        };
        let e = p
            .check(
                Address::ZERO,
                U256::from(10u64.pow(15)),
                model_min,
                2 * GWEI,
            )
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("price of 10000000000000000 wei (minimum 10000000000000000 wei;"),
            "{e}"
        );
        // the global minimum when gas is free (a dev chain at 0 wei/gas)
        assert!(matches!(
            p.check(Address::ZERO, U256::from(999u64), ModelPrice::default(), 0),
            Err(Skip::Underpaid { .. })
        ));
        assert!(p
            .check(Address::ZERO, U256::from(1000u64), ModelPrice::default(), 0)
            .is_ok());
    }

    #[test]
    fn token_jobs_need_a_minimum_for_their_token() {
        let usd = Address::repeat_byte(0x05);
        let other = Address::repeat_byte(0x06);
        let p = PricePolicy {
            token_minimums: BTreeMap::from([(usd, U256::from(500u64))]),
            ..PricePolicy::default()
        };
        let e = p
            .check(
                other,
                U256::from(10u64.pow(18)),
                ModelPrice::default(),
                GWEI,
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("pays in token {other}, for which the node has no minimum")
        );
        let e = p
            .check(usd, U256::from(499u64), ModelPrice::default(), GWEI)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("pays 499 of token {usd}, below the node's minimum of 500")
        );
        // token jobs are not priced in gas (the node cannot convert), only by their minimum
        assert!(p
            .check(usd, U256::from(500u64), ModelPrice::default(), 1000 * GWEI)
            .is_ok());
    }

    #[test]
    fn proof_time_is_priced_on_top_of_gas() {
        let p = PricePolicy {
            wei_per_proof_second: U256::from(10u64.pow(15)),
            ..PricePolicy::default()
        };
        // 1.5 s at 1e15 wei/s = 1.5e15 wei, plus 300k gas × 1 gwei × 150 % = 4.5e14
        let model = ModelPrice {
            proof_ms: 1_500,
            ..ModelPrice::default()
        };
        assert_eq!(p.proof_cost(1_500), U256::from(1_500_000_000_000_000u64));
        let price = 1_950_000_000_000_000u64;
        let e = p
            .check(Address::ZERO, U256::from(price - 1), model, GWEI)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "pays {} wei, below the node's price of {price} wei (minimum 0 wei; gas 300000 \
                 × 1000000000 wei/gas + 50 %; proof 1500 ms × 1000000000000000 wei/s)",
                price - 1
            )
        );
        assert!(p
            .check(Address::ZERO, U256::from(price), model, GWEI)
            .is_ok());
        // a faster measurement lowers the price; rounding is up, never below the cost
        let fast = ModelPrice {
            proof_ms: 1,
            ..model
        };
        assert!(p
            .check(Address::ZERO, U256::from(price - 1), fast, GWEI)
            .is_ok());
        let per_wei = PricePolicy {
            wei_per_proof_second: U256::from(1u8),
            ..PricePolicy::default()
        };
        assert_eq!(per_wei.proof_cost(1), U256::from(1u8));
        assert_eq!(per_wei.proof_cost(0), U256::ZERO);
    }

    #[test]
    fn lookup_jobs_pay_their_extra_gas() {
        let p = PricePolicy::default();
        let lookup = ModelPrice {
            lookup: true,
            ..ModelPrice::default()
        };
        // (300k + 45k) × 1 gwei × 150 %
        let price = 517_500_000_000_000u64;
        let e = p
            .check(Address::ZERO, U256::from(price - 1), lookup, GWEI)
            .unwrap_err();
        assert!(e.to_string().contains("gas 345000 × "), "{e}");
        assert!(p
            .check(Address::ZERO, U256::from(price), lookup, GWEI)
            .is_ok());
        assert!(p
            .check(
                Address::ZERO,
                U256::from(price - 1),
                ModelPrice::default(),
                GWEI
            )
            .is_ok());
    }
}
