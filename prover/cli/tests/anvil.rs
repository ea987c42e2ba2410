//! End to end on a real local chain: anvil (from the pinned npm package, on 127.0.0.1 only)
//! driven over JSON-RPC by the `zkinfer` binary (`deploy`, `request`, `submit`) and by alloy:
//! the provider is paid once (ETH and the test token), a copied proof is refused, an expired
//! job is refunded to the requester's chosen address, insecure keys need a flag, and a
//! requester refuses to pay into a contract that is not the audited escrow.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use common::anvil::{field, run, start_anvil, KEYS};
use common::{compile_mlp, models, ok, s, zkinfer};
use zkinfer_evm::{
    balance_of, get_job, parse_private_key, refund, revert_reason, submit_result, Address, Chain,
    JobStatus, RpcChain, U256,
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

    // review finding #9: a key from `setup --insecure-seed` is refused without the flag
    let mut args = vec!["deploy", s(dir), "--test-token"];
    args.extend(chain_args(0));
    let refused = zkinfer(&args);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--allow-insecure-key"));
    // the escrow is deployed, the key published, and a test token minted to the deployer
    args.push("--allow-insecure-key");
    let deployed = ok(&zkinfer(&args));
    let escrow = field(&deployed, "escrow ");
    let token = field(&deployed, "token     ");
    assert!(
        deployed.contains("key ") && deployed.contains("gas"),
        "{deployed}"
    );

    // the requester refuses to pay into anything but the audited escrow (here: the token)
    let input = m.join("input.json");
    let mut args = vec![
        "request",
        s(dir),
        "--input",
        s(&input),
        "--escrow",
        token.as_str(),
        "--allow-insecure-key",
    ];
    args.extend(chain_args(1));
    let fake = zkinfer(&args);
    assert_eq!(fake.status.code(), Some(2));
    let err = String::from_utf8_lossy(&fake.stderr);
    assert!(err.contains("not the audited InferenceEscrow"), "{err}");

    // the requester opens two jobs
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
            "--allow-insecure-key",
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
            "--chain-id",
            "31337",
            "--escrow",
            &escrow.to_string(),
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
        assert_eq!(JobStatus::of(&record), JobStatus::Withdrawn);
        assert_eq!(record.provider, accounts[2]);
        // paid exactly the payment, less the gas the provider spent
        assert!(after > before && after - before < U256::from(PAYMENT));

        // a second submission for the paid job: refused by the CLI before proving
        let again = zkinfer(&args);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("not open"));

        // the second job expires and is refunded to the address its requester names
        let early = refund(&mut chain, accounts[1], escrow, expiring, accounts[4])
            .await
            .unwrap();
        assert!(!early.success, "refunded before the deadline");
        chain.advance_time(61).await.unwrap();
        let stranger = refund(&mut chain, accounts[3], escrow, expiring, accounts[3])
            .await
            .unwrap();
        assert!(!stranger.success, "refunded by a stranger");
        let before = chain.balance(accounts[4]).await.unwrap();
        let r = refund(&mut chain, accounts[1], escrow, expiring, accounts[4])
            .await
            .unwrap();
        assert!(r.success, "{}", revert_reason(&r.output));
        assert!(r.tx_hash.is_some());
        assert_eq!(
            chain.balance(accounts[4]).await.unwrap() - before,
            U256::from(PAYMENT)
        );
        let record = get_job(&mut chain, escrow, expiring).await.unwrap();
        assert_eq!(JobStatus::of(&record), JobStatus::Refunded);

        // the same with the CLI: a third job cancelled (not by a stranger), refused a refund
        // before the cancel notice runs out, refunded to a named address after it; a second
        // withdrawal of the paid job refused
        let third: u64 = field(&request("3600"), "job ").parse().unwrap();
        let (third_s, escrow_a) = (third.to_string(), escrow.to_string());
        let settle = |cmd: &str, key: usize, extra: &[&str]| {
            let mut args = vec![cmd, "--escrow", escrow_a.as_str(), "--job-id", &third_s];
            args.extend_from_slice(extra);
            args.extend(chain_args(key));
            zkinfer(&args)
        };
        let stranger = settle("cancel", 3, &[]);
        assert_eq!(stranger.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&stranger.stdout).contains("refused     NotAllowed"));
        let cancelled = ok(&settle("cancel", 1, &[]));
        assert!(cancelled.contains("cancelled   tx 0x"), "{cancelled}");
        let to = accounts[4].to_string();
        let early = settle("refund", 1, &["--to", &to]);
        assert_eq!(early.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&early.stdout).contains("DeadlineNotReached"));
        chain.advance_time(601).await.unwrap();
        let before = chain.balance(accounts[4]).await.unwrap();
        let refunded = ok(&settle("refund", 1, &["--to", &to]));
        assert!(
            refunded.contains(&format!("sent        0.002000 ETH to {to}")),
            "{refunded}"
        );
        assert_eq!(
            chain.balance(accounts[4]).await.unwrap() - before,
            U256::from(PAYMENT)
        );
        let mut args = vec!["withdraw", "--escrow", escrow_a.as_str()];
        let job_s = job.to_string();
        args.extend(["--job-id", job_s.as_str()]);
        args.extend(chain_args(2));
        let twice = zkinfer(&args);
        assert_eq!(twice.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&twice.stdout).contains("WrongStatus"));

        // a job paid in the test token: the deployer (who holds the minted tokens) requests,
        // the provider proves, submits and withdraws the tokens
        let token: Address = token.parse().unwrap();
        let mut args = vec![
            "request",
            s(dir),
            "--input",
            s(&input),
            "--escrow",
            escrow_s.as_str(),
            "--token",
            s_addr(&token),
            "--payment",
            "2500000",
            "--allow-insecure-key",
        ];
        args.extend(chain_args(0));
        let opened = ok(&zkinfer(&args));
        assert!(opened.contains("2500000 units of token"), "{opened}");
        let token_job = field(&opened, "job ");
        let mut args = vec![
            "submit",
            s(dir),
            "--job-id",
            &token_job,
            "--escrow",
            &escrow_s,
        ];
        args.extend(chain_args(2));
        let submitted = ok(&zkinfer(&args));
        assert!(
            submitted.contains("paid        2500000 units"),
            "{submitted}"
        );
        assert_eq!(
            balance_of(&mut chain, token, accounts[2]).await.unwrap(),
            U256::from(2_500_000u64)
        );
    });
}

/// An address as a leaked `&str` for argument lists.
fn s_addr(a: &Address) -> &'static str {
    Box::leak(a.to_string().into_boxed_str())
}
