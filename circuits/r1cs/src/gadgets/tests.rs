//! Soundness tests: the honest witness satisfies each gadget; each way a cheater could lie
//! leaves the constraint system unsatisfied.

use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, LinearCombination};

use super::{compare, divide, product, range, relu, rescale};
use crate::cell::Cell;
use crate::{fr_from_i128, Fr};

fn cs() -> ConstraintSystemRef<Fr> {
    ConstraintSystem::<Fr>::new_ref()
}

fn input(cs: &ConstraintSystemRef<Fr>, v: i128) -> Cell {
    let x = cs.new_witness_variable(|| Ok(fr_from_i128(v))).unwrap();
    Cell::var(x, Some(v))
}

/// Runs the rescale gadget with the given claimed output and reports satisfaction.
fn rescale_ok(x: i128, claimed: i128, shift: u32, bits: u32) -> bool {
    let cs = cs();
    let c = input(&cs, x);
    rescale::rescale(&cs, &c, Some(claimed), shift, bits).unwrap();
    cs.is_satisfied().unwrap()
}

#[test]
fn rescale_accepts_exactly_the_rounded_value() {
    for x in [-1000i128, -513, -512, -511, -1, 0, 1, 255, 256, 257, 4095] {
        let honest = (x + 256).div_euclid(512);
        assert!(rescale_ok(x, honest, 9, 12), "x = {x}");
        // Wrong rounding (off by one either way) is rejected: the remainder would leave [0, 2^k).
        assert!(!rescale_ok(x, honest + 1, 9, 12), "x = {x}, +1");
        assert!(!rescale_ok(x, honest - 1, 9, 12), "x = {x}, -1");
    }
}

#[test]
fn rescale_rejects_results_outside_the_range() {
    // 12-bit result: [-2048, 2047]. x = 2048 · 512 rounds to 2048: out of range.
    assert!(rescale_ok(2047 * 512, 2047, 9, 12));
    assert!(!rescale_ok(2048 * 512, 2048, 9, 12));
    assert!(rescale_ok(-2048 * 512, -2048, 9, 12));
    assert!(!rescale_ok(-2049 * 512, -2049, 9, 12));
    // shift 0 is a plain range check.
    assert!(rescale_ok(7, 7, 0, 4) && !rescale_ok(8, 8, 0, 4));
}

#[test]
fn rescale_rejects_a_forged_remainder() {
    // A cheater claims y = honest - 1, making the remainder 2^k + r: the bit decomposition of
    // x + offset cannot represent both y and such a remainder.
    let cs = cs();
    let c = input(&cs, 1000);
    let out = rescale::rescale(&cs, &c, Some(1), 9, 12).unwrap();
    assert!(!cs.is_satisfied().unwrap());
    assert!(cs.which_is_unsatisfied().unwrap().is_some());
    assert_eq!(out.val, Some(1));
}

#[test]
fn relu_uses_the_sign_bit_and_rejects_a_wrong_one() {
    for (v, after_rescale) in [
        (-5i128, true),
        (0, true),
        (9, true),
        (-5, false),
        (9, false),
    ] {
        let cs = cs();
        let c = input(&cs, v);
        let y = if after_rescale {
            rescale::rescale(&cs, &c, Some(v), 0, 8).unwrap()
        } else {
            c
        };
        let before = cs.num_constraints();
        let z = relu::relu(&cs, &y, 8).unwrap();
        assert_eq!(z.val, Some(v.max(0)));
        assert!(cs.is_satisfied().unwrap());
        if after_rescale {
            assert_eq!(
                cs.num_constraints() - before,
                1,
                "ReLU after a rescale costs one constraint"
            );
        }
    }
    // A wrong output value (claiming relu(-5) = -5) is rejected.
    let cs = cs();
    let c = input(&cs, -5);
    let bad = Cell {
        val: Some(5),
        ..c.clone()
    }; // lies about the value: the sign bit is computed from 5
    relu::relu(&cs, &bad, 8).unwrap();
    assert!(!cs.is_satisfied().unwrap());
}

#[test]
fn max_and_min_are_exact_and_refuse_a_wrong_sign() {
    for (a, b) in [(-7i128, 3i128), (3, -7), (5, 5), (-100, -101), (127, -128)] {
        let cs = cs();
        let (ca, cb) = (input(&cs, a), input(&cs, b));
        let m = compare::max(&cs, &ca, &cb, 8).unwrap();
        let n = compare::min(&cs, &ca, &cb, 8).unwrap();
        assert!(cs.is_satisfied().unwrap());
        let value = |c: &Cell| {
            let lc: &LinearCombination<Fr> = &c.lc;
            let cs = cs.borrow().unwrap();
            lc.0.iter()
                .map(|(k, v)| *k * cs.assigned_value(*v).unwrap())
                .sum::<Fr>()
        };
        assert_eq!(value(&m), fr_from_i128(a.max(b)));
        assert_eq!(value(&n), fr_from_i128(a.min(b)));
    }
    // Lying about b's value (so the sign bit is computed for the wrong difference) is rejected.
    let cs = cs();
    let (ca, cb) = (input(&cs, 10), input(&cs, 3));
    compare::max(
        &cs,
        &ca,
        &Cell {
            val: Some(30),
            ..cb
        },
        8,
    )
    .unwrap();
    assert!(!cs.is_satisfied().unwrap());
}

#[test]
fn range_check_rejects_out_of_range_values() {
    for (v, ok) in [(0i128, true), (255, true), (256, false), (-1, false)] {
        let cs = cs();
        let c = input(&cs, v);
        range::decompose(&cs, &c.lc, Fr::from(0u8), Some(v), 8).unwrap();
        assert_eq!(cs.is_satisfied().unwrap(), ok, "v = {v}");
    }
}

/// Each gadget's stated cost equals what it spends, in setup mode and when proving.
#[test]
fn gadget_costs_match_their_synthesis() {
    use crate::cost::Cost;
    use ark_relations::gr1cs::SynthesisMode;
    let spent = |f: &dyn Fn(&ConstraintSystemRef<Fr>)| {
        let cs = cs();
        cs.set_mode(SynthesisMode::Setup);
        let (c0, w0) = (cs.num_constraints(), cs.num_witness_variables());
        f(&cs);
        Cost::new(cs.num_constraints() - c0, cs.num_witness_variables() - w0)
    };
    let var = |cs: &ConstraintSystemRef<Fr>, sign: bool| {
        let v = cs.new_witness_variable(|| Ok(Fr::from(0u8))).unwrap();
        let mut c = Cell::var(v, None);
        if sign {
            c.sign = Some(v);
        }
        c
    };
    for (shift, bits) in [(0, 8), (9, 12), (20, 18)] {
        let cost = spent(&|cs| {
            let x = var(cs, false);
            rescale::rescale(cs, &x, None, shift, bits).unwrap();
        });
        assert_eq!(cost, rescale::cost(shift, bits).plus(Cost::new(0, 1)));
    }
    for sign in [false, true] {
        let cost = spent(&|cs| {
            let x = var(cs, sign);
            relu::relu(cs, &x, 19).unwrap();
        });
        assert_eq!(cost, relu::cost(sign, 19).plus(Cost::new(0, 1)));
    }
    let cost = spent(&|cs| {
        let (a, b) = (var(cs, true), var(cs, false));
        compare::max(cs, &a, &b, 18).unwrap();
    });
    assert_eq!(cost, compare::max_cost(18).plus(Cost::new(0, 2)));
    for n in 0..7usize {
        let cost = spent(&|cs| {
            let elements: Vec<(LinearCombination<Fr>, Option<Fr>)> = (0..n)
                .map(|_| {
                    let v = cs.new_witness_variable(|| Ok(Fr::from(0u8))).unwrap();
                    (LinearCombination(vec![(Fr::from(3u8), v)]), None)
                })
                .collect();
            let _digest =
                super::poseidon::commit(cs, &super::poseidon::params(), n as u64, &elements)
                    .unwrap();
        });
        assert_eq!(
            cost,
            super::poseidon::commit_cost(n).plus(Cost::new(0, n)),
            "{n} elements"
        );
    }
}

/// Runs the division gadget on `a / s` (shift `k`, 10-bit quotient, `|s| ≤ 100`) with a
/// claimed quotient (its remainder derived from the claim) and reports satisfaction.
fn divide_ok(a: i128, s: i128, claimed: i128, k: u32) -> bool {
    let cs = cs();
    let (ca, cs_) = (input(&cs, a), input(&cs, s));
    divide::divide(
        &cs,
        &crate::lookup::RangeChecker::bits(),
        &ca,
        &cs_,
        Some(claimed),
        k,
        10,
        100,
    )
    .unwrap();
    cs.is_satisfied().unwrap()
}

#[test]
fn divide_accepts_exactly_the_rounded_quotient() {
    let d = |a: i128, s: i128, k: u32| ((a << (k + 1)) + s).div_euclid(2 * s);
    for (a, s) in [
        (7, 2),
        (5, 2),
        (-5, 2),
        (-7, 2),
        (1, 3),
        (0, 9),
        (99, 100),
        (-100, 7),
    ] {
        for k in [0, 2] {
            let honest = d(a, s, k);
            assert!(divide_ok(a, s, honest, k), "{a}/{s} k={k}");
            assert!(!divide_ok(a, s, honest + 1, k), "{a}/{s} k={k}: +1");
            assert!(!divide_ok(a, s, honest - 1, k), "{a}/{s} k={k}: -1");
        }
    }
    // A quotient outside the 10-bit range is rejected even if it is the true one.
    assert!(!divide_ok(100, 1, d(100, 1, 3), 3));
}

#[test]
fn divide_rejects_divisors_that_are_not_positive() {
    // With s = 0 or s < 0 no claim passes: the remainder check needs 0 ≤ r < 2s.
    for s in [0i128, -1, -5] {
        for claimed in [-3i128, 0, 1, 4] {
            assert!(!divide_ok(7, s, claimed, 0), "s = {s}, claim {claimed}");
        }
    }
}

#[test]
fn a_product_accepts_only_the_product() {
    for (a, b) in [(3i128, -7i128), (2, 5), (-4, -4)] {
        for lie in [0i128, 1, -1] {
            let cs = cs();
            let (ca, cb) = (input(&cs, a), input(&cs, b));
            // A cheater's value for `a` (the wire keeps `a`): `p` gets `(a + lie)·b`.
            let claimed = Cell {
                val: Some(a + lie),
                ..ca
            };
            product::product(&cs, &claimed, &cb).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), lie == 0, "{a}·{b} + {lie}");
        }
    }
}
