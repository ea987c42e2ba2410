//! The argument on single checks: range checks, multiplicities, round-2 tampering, tables
//! borrowing each other's entries, function lookups, the derived challenges, and a challenge
//! that hits a query.

use super::*;

#[test]
fn range_checks_accept_exactly_the_range() {
    // Full limbs, a partial top limb with a table of its own, the same queried twice, a
    // boolean top limb, a single partial limb, a zero-width check.
    for (p, n) in [
        (plan(4, &[]), 8),
        (plan(4, &[3]), 11),
        (plan(4, &[]), 11),
        (plan(4, &[]), 9),
        (plan(8, &[5]), 5),
        (plan(8, &[]), 5),
        (plan(3, &[]), 0),
    ] {
        let top = (1i128 << n) - 1;
        for v in [0, top / 2, top] {
            assert!(
                range_check(p.clone(), v, n).check(),
                "{p:?}: {v} in {n} bits"
            );
        }
        for v in [top + 1, -1, top + 1 + (1 << 40)] {
            assert!(
                !range_check(p.clone(), v, n).recount().check(),
                "{p:?}: {v} is not in {n} bits"
            );
        }
    }
}

#[test]
fn a_partial_top_limb_cannot_reach_two_to_the_t() {
    // n = L + t: v = 2^n with the top limb set to 2^t (so the low limb is 0 and in its table).
    // A top limb checked only against the full table would accept it (GHSA-rjjm-x32p-m3f7).
    for (p, t) in [(plan(4, &[3]), 3), (plan(4, &[]), 3), (plan(4, &[]), 1)] {
        let n = 4 + t;
        let mut cheat = range_check(p.clone(), 1 << n, n);
        cheat.tamper(|_, w, _| w[1] = Fr::from(1u64 << t)).recount();
        assert!(!cheat.check(), "{p:?}, t = {t}");
        // The largest honest top limb passes.
        assert!(range_check(p, (1 << n) - 1, n).check());
    }
}

#[test]
fn limbs_that_do_not_recompose_are_rejected() {
    // 12 bits in limbs of 4: the low limb is v minus the others; changing an upper limb (and
    // recounting) moves the low limb out of its table.
    for delta in [1i64, -1, 5] {
        let mut p = range_check(plan(4, &[]), 0x5a5, 12);
        p.tamper(|_, w, _| w[2] += fr_from_i128(delta.into()))
            .recount();
        assert!(!p.check(), "delta {delta}");
    }
}

#[test]
fn a_wrong_multiplicity_is_rejected() {
    for (j, delta) in [(0usize, 1i64), (0x5, 1), (0xa, -1), (3, 2)] {
        let mut p = range_check(plan(4, &[]), 0x5a5, 12);
        p.tamper(|_, w, t| w[t.tables[0].multiplicities + j] += fr_from_i128(delta.into()));
        assert!(!p.check(), "entry {j} {delta:+}");
    }
    assert!(range_check(plan(4, &[]), 0x5a5, 12).check());
}

#[test]
fn a_tampered_round2_value_is_rejected() {
    // Two tables, so the derived challenges are wires too.
    let build = || {
        Proving::build(plan(4, &[3]), |cs, rc| {
            for (v, n) in [(0x5a5, 11), (6, 3)] {
                let x = wire(cs, fr_from_i128(v));
                rc.check(cs, &x.into(), Some(v), n).unwrap();
            }
        })
    };
    assert!(build().check());
    let picks: [fn(&LookupTrace) -> usize; 4] = [
        |t| t.queries[0].inv,
        |t| t.queries[2].inv,
        |t| t.tables[1].quotients + 6,
        |t| t.products[5].out,
    ];
    for pick in picks {
        let mut p = build();
        p.fill().tamper(|_, w, t| w[pick(t)] += Fr::one());
        assert!(!p.satisfied());
    }
}

#[test]
fn a_query_cannot_borrow_another_tables_entry() {
    // A 3-bit check of 200 counted against the 8-bit table's entry 200: with the tag folded
    // into the compressed entry by the derived challenge, the fractions differ.
    let two = |small: i128| {
        Proving::build(plan(8, &[3]), |cs, rc| {
            for (v, n) in [(small, 3), (17, 8)] {
                let x = wire(cs, fr_from_i128(v));
                rc.check(cs, &x.into(), Some(v), n).unwrap();
            }
        })
    };
    assert!(two(5).check());
    let mut p = two(200);
    assert_eq!(
        p.trace.table_keys(),
        vec![TableKey::Range(3), TableKey::Range(8)]
    );
    p.tamper(|_, w, t| w[t.tables[1].multiplicities + 200] += Fr::one());
    assert!(!p.check());
    assert!(!two(200).recount().check());
}

/// `f(x) = x² − 3` on `−8..8`.
fn square_table() -> Arc<FunctionTable> {
    FunctionTable::new(9, -8, 16, |x| x * x - 3)
}

/// Looks up `(x, y)` in [`square_table`], next to a range check (two tables).
fn function_lookup(x: i128, y: i128) -> Proving {
    Proving::build(plan(4, &[]), |cs, rc| {
        let (xv, yv) = (wire(cs, fr_from_i128(x)), wire(cs, fr_from_i128(y)));
        let table = square_table();
        rc.lookup_function(&table, &Cell::var(xv, Some(x)), &Cell::var(yv, Some(y)))
            .unwrap();
        let z = wire(cs, Fr::from(5u8));
        rc.check(cs, &z.into(), Some(5), 4).unwrap();
    })
}

#[test]
fn function_lookups_accept_only_rows_of_the_table() {
    for x in [-8i128, -1, 0, 7] {
        assert!(function_lookup(x, x * x - 3).check(), "f({x})");
    }
    // Wrong y, x outside the domain (with the table's value extended), x of another row.
    for (x, y) in [(3, 7), (3, 5), (8, 61), (-9, 78), (2, 6)] {
        assert!(!function_lookup(x, y).recount().check(), "({x}, {y})");
    }
    // The same tag for another table is refused.
    let cs = prove_cs();
    let rc = RangeChecker::lookup(&cs, plan(4, &[]));
    let x = Cell::var(wire(&cs, Fr::zero()), Some(0));
    rc.lookup_function(&square_table(), &x, &x).unwrap();
    let other = FunctionTable::new(9, -8, 16, |x| x);
    assert!(matches!(
        rc.lookup_function(&other, &x, &x),
        Err(R1csError::TableTagReused { tag: 9 })
    ));
    assert!(matches!(
        RangeChecker::bits().lookup_function(&other, &x, &x),
        Err(R1csError::NeedsLookupMode)
    ));
}

/// Why the columns are not combined with `r = c²`: three queries whose denominators
/// `c − a − c²·b` have the roots `{u, λu}`, `{λu, λ²u}`, `{λ²u, u}` (`λ³ = 1`) have fractions
/// that sum to zero for every `c`, so they would pass without being in any table. With the
/// derived challenges they do not.
#[test]
fn three_cancelling_queries_for_r_equal_c_squared_are_rejected() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut p_minus_one = <Fr as PrimeField>::MODULUS;
    p_minus_one.0[0] -= 1; // p is odd: no borrow
    let lambda = (2u64..)
        .map(|g| Fr::from(g).pow(div3(p_minus_one)))
        .find(|l| !l.is_one())
        .unwrap();
    assert!(lambda.pow([3u64]).is_one());
    let u = Fr::rand(&mut rng);
    let roots = [
        (u, lambda * u),
        (lambda * u, lambda * lambda * u),
        (lambda * lambda * u, u),
    ];
    let pairs: Vec<(Fr, Fr)> = roots
        .iter()
        .map(|(a, b)| {
            let s = (*a + *b).inverse().unwrap();
            (*a * *b * s, s)
        })
        .collect();
    // Under r = c² the three fractions cancel at any c.
    let c = Fr::rand(&mut rng);
    let sum: Fr = pairs
        .iter()
        .map(|(a, b)| (c - a - c * c * b).inverse().unwrap())
        .sum();
    assert!(sum.is_zero());
    // In our circuit they are three lookups with unconstrained x and y: rejected.
    let mut p = Proving::build(plan(4, &[]), |cs, rc| {
        let table = square_table();
        for (a, b) in &pairs {
            let (x, y) = (wire(cs, *a), wire(cs, *b));
            rc.lookup_function(&table, &Cell::var(x, None), &Cell::var(y, None))
                .unwrap();
        }
    });
    assert!(!p.check());
}

/// `(p − 1) / 3` as limbs.
fn div3(mut e: <Fr as PrimeField>::BigInt) -> [u64; 4] {
    let mut rem = 0u128;
    for limb in e.0.iter_mut().rev() {
        let cur = (rem << 64) | u128::from(*limb);
        *limb = (cur / 3) as u64;
        rem = cur % 3;
    }
    assert_eq!(rem, 0);
    e.0
}

#[test]
fn the_challenge_hitting_a_query_is_reported() {
    let p = range_check(plan(4, &[]), 9, 4);
    let (mut i, mut w) = {
        let b = p.cs.borrow().unwrap();
        (
            b.assignments.instance_assignment.clone(),
            b.assignments.witness_assignment.clone(),
        )
    };
    assert!(matches!(
        p.trace.fill(&mut i, &mut w, Fr::from(9u8), Fr::one()),
        Err(R1csError::ChallengeHitsLookup)
    ));
    assert!(matches!(
        p.trace.fill(&mut i, &mut w[1..], Fr::from(99u8), Fr::one()),
        Err(R1csError::TraceMismatch(_))
    ));
    assert!(p
        .trace
        .fill(&mut i, &mut w, Fr::from(99u8), Fr::one())
        .is_ok());
}
