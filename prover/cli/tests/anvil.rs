//! End to end on a real local chain: anvil (from the pinned npm package, on 127.0.0.1 only)
//! driven over JSON-RPC by the `zkinfer` binary (`deploy`, `request`, `submit`) and by alloy:
//! the provider is paid once, a copied proof is refused, and an expired job is refunded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use common::anvil::{field, run, start_anvil, KEYS};
use common::{compile_mlp, models, ok, s, zkinfer};
use zkinfer_evm::{
    get_job, parse_private_key, refund, revert_reason, submit_result, Address, Chain, JobStatus,
    RpcChain, U256,
};
use zkinfer_verifier::ProofFile;

const PAYMENT: u64 = 2_000_000_000_000_000;

#[test]
fn deploy_request_submit_and_refund_on_anvil() {
    let anvil = start_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let m = models().join("mlp");
    compile_mlp(dir, 5);
    let chain_args = |key: usize| vec!["--rpc-url", anvil.url.as_str(), "--key", KEYS[key]];

    // the model's owner deploys registry, escrow and verifier, and registers the model
    let mut args = vec!["deploy", s(dir), "--metadata", "mlp digits"];
    args.extend(chain_args(0));
    let deployed = ok(&zkinfer(&args));
    let escrow = field(&deployed, "escrow ");
    assert!(
        deployed.contains("verifier") && deployed.contains("gas"),
        "{deployed}"
    );

    // the requester opens two jobs
    let input = m.join("input.json");
    let payment = PAYMENT.to_string();
    let request = |deadline: &str| {
        let mut args = vec![
            "request",
            s(dir),
            "--input",
            s(&input),
            "--escrow",
            escrow.as_str(),
            "--payment",
            payment.as_str(),
            "--deadline-secs",
            deadline,
        ];
        args.extend(chain_args(1));
        ok(&zkinfer(&args))
    };
    let job: u64 = field(&request("3600"), "job ").parse().unwrap();
    let expiring: u64 = field(&request("60"), "job ").parse().unwrap();

    let keys: Vec<_> = KEYS.iter().map(|k| parse_private_key(k).unwrap()).collect();
    let accounts: Vec<Address> = keys.iter().map(|k| k.address()).collect();
    let escrow: Address = escrow.parse().unwrap();
    run(async {
        let mut chain = RpcChain::connect(&anvil.url, keys).await.unwrap();

        // a proof for the provider, copied by someone else: refused
        let proof_path = dir.join("copied.json");
        let provider = accounts[2].to_string();
        ok(&zkinfer(&[
            "prove",
            s(dir),
            "--input",
            s(&input),
            "--job-id",
            &job.to_string(),
            "--provider",
            &provider,
            "--out",
            s(&proof_path),
        ]));
        let copied = ProofFile::from_json(&std::fs::read_to_string(&proof_path).unwrap()).unwrap();
        let r = submit_result(&mut chain, accounts[3], escrow, job, &copied)
            .await
            .unwrap();
        assert!(!r.success, "a copied proof was accepted");
        assert!(
            revert_reason(&r.output).contains("InvalidProof"),
            "{}",
            revert_reason(&r.output)
        );

        // the provider proves and submits with the CLI, reading the input from the chain
        let before = chain.balance(accounts[2]).await.unwrap();
        let (job_s, escrow_s) = (job.to_string(), escrow.to_string());
        let mut args = vec!["submit", s(dir), "--job-id", &job_s, "--escrow", &escrow_s];
        args.extend(chain_args(2));
        let submitted = ok(&zkinfer(&args));
        assert!(
            submitted.contains("paid        0.002000 ETH"),
            "{submitted}"
        );
        let after = chain.balance(accounts[2]).await.unwrap();
        let record = get_job(&mut chain, escrow, job).await.unwrap();
        assert_eq!(JobStatus::of(&record), JobStatus::Paid);
        assert_eq!(record.provider, accounts[2]);
        // paid exactly the payment, less the gas the provider spent
        assert!(after > before && after - before < U256::from(PAYMENT));

        // a second submission for the paid job: refused by the CLI before proving
        let again = zkinfer(&args);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("not open"));

        // the second job expires and is refunded to the requester
        let early = refund(&mut chain, accounts[3], escrow, expiring)
            .await
            .unwrap();
        assert!(!early.success, "refunded before the deadline");
        chain.advance_time(61).await.unwrap();
        let before = chain.balance(accounts[1]).await.unwrap();
        let r = refund(&mut chain, accounts[3], escrow, expiring)
            .await
            .unwrap();
        assert!(r.success, "{}", revert_reason(&r.output));
        assert!(r.tx_hash.is_some());
        assert_eq!(
            chain.balance(accounts[1]).await.unwrap() - before,
            U256::from(PAYMENT)
        );
        let record = get_job(&mut chain, escrow, expiring).await.unwrap();
        assert_eq!(JobStatus::of(&record), JobStatus::Refunded);
    });
}
