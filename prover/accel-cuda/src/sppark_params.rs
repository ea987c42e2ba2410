//! Checks, without a GPU, that sppark's BN254 NTT constants are arkworks': the tables in the
//! `ntt/parameters/alt_bn128.h` the kernels were compiled with (path exported by build.rs)
//! must equal arkworks' coset generator, roots of unity and `1/2^k`, limb for limb in
//! Montgomery form. Natural-order GPU NTTs can only match arkworks' if these do.

use crate::repack::{raw_fr, RawFr};
use ark_ff::{FftField, Field};
use zkinfer_accel::Fr;

/// Every `FR_T(vec256, a, b, c, d)` of one table (`name` up to the next `;`).
fn table(header: &str, name: &str) -> Vec<RawFr> {
    let start = header
        .find(&format!("fr_t {name}"))
        .unwrap_or_else(|| panic!("`{name}` not found in alt_bn128.h"));
    let body = &header[start..];
    let body = &body[..body.find(';').unwrap_or(body.len())];
    body.split("FR_T(vec256,")
        .skip(1)
        .map(|entry| {
            let limbs: Vec<u64> = entry
                .split(')')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(|l| l.trim().trim_end_matches('u').trim_start_matches("0x"))
                .filter(|l| !l.is_empty())
                .map(|l| u64::from_str_radix(l, 16).unwrap())
                .collect();
            limbs.try_into().unwrap()
        })
        .collect()
}

#[test]
fn sppark_ntt_constants_are_arkworks() {
    let path = concat!(env!("ZKINFER_SPPARK_ROOT"), "/ntt/parameters/alt_bn128.h");
    let header = std::fs::read_to_string(path).unwrap();

    assert_eq!(table(&header, "group_gen"), vec![raw_fr(&Fr::GENERATOR)]);
    assert_eq!(
        table(&header, "group_gen_inverse"),
        vec![raw_fr(&Fr::GENERATOR.inverse().unwrap())]
    );
    let forward = table(&header, "forward_roots_of_unity");
    let inverse = table(&header, "inverse_roots_of_unity");
    let size_inverse = table(&header, "domain_size_inverse");
    assert_eq!(
        (forward.len(), inverse.len(), size_inverse.len()),
        (29, 29, 29)
    );
    for k in 0..=28u32 {
        let root = Fr::get_root_of_unity(1u64 << k).unwrap();
        let i = k as usize;
        assert_eq!(forward[i], raw_fr(&root), "forward root 2^{k}");
        assert_eq!(
            inverse[i],
            raw_fr(&root.inverse().unwrap()),
            "inverse root 2^{k}"
        );
        assert_eq!(
            size_inverse[i],
            raw_fr(&Fr::from(1u64 << k).inverse().unwrap()),
            "1/2^{k}"
        );
    }
}
