//! Provider nodes on a real local chain (anvil): `zkinfer provider` proves a job that
//! `zkinfer request --wait` opened and then verifies natively; two nodes racing for one job get
//! it paid exactly once; a node skips every job it could not be paid for, and every job paying
//! less than its price, without sending a transaction; it takes the best-paid jobs first, and
//! only jobs buried under its confirmations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::anvil::{deploy, field, run, start_anvil, Anvil, KillOnDrop, KEYS};
use common::{compile_mlp, models, ok, s, zkinfer};
use zkinfer_evm::{
    encode_input_blob, get_job, key_hash, open_job, parse_private_key, Address, Chain, JobRequest,
    JobStatus, RpcChain, Settlement, U256,
};
use zkinfer_ir::{CompiledModel, InputData};
use zkinfer_prover::{Engine, Prover, ProvingKeyFile};
use zkinfer_service::provider::{Outcome, ProviderConfig, ProviderNode, ServedModel};
use zkinfer_verifier::{Fr, VerifyingKeyFile};

const PAYMENT: u64 = 3_000_000_000_000_000;

/// `zkinfer request` for the mlp's sample input, paying `PAYMENT`, signed by `KEYS[1]`, plus
/// `extra` arguments.
fn request(anvil: &Anvil, dir: &Path, escrow: &str, extra: &[&str]) -> std::process::Output {
    request_paying(anvil, dir, escrow, PAYMENT, extra)
}

/// `zkinfer request` paying `payment` wei.
fn request_paying(
    anvil: &Anvil,
    dir: &Path,
    escrow: &str,
    payment: u64,
    extra: &[&str],
) -> std::process::Output {
    let input = models().join("mlp/input.json");
    let payment = payment.to_string();
    let mut args = vec![
        "request",
        s(dir),
        "--input",
        s(&input),
        "--escrow",
        escrow,
        "--payment",
        &payment,
        "--rpc-url",
        &anvil.url,
        "--key",
        KEYS[1],
        "--allow-insecure-key",
    ];
    args.extend_from_slice(extra);
    zkinfer(&args)
}

/// The model of `dir` with its keys, as `zkinfer setup` wrote them.
fn load_prover(dir: &Path) -> Prover<Engine> {
    let model = CompiledModel::load(&dir.join("model.json")).unwrap();
    let id = model.model_id.0;
    let pk = ProvingKeyFile::load(&dir.join("proving_key.bin"), &id).unwrap();
    let vk_bytes = std::fs::read(dir.join("verifying_key.bin")).unwrap();
    let vk = VerifyingKeyFile::from_bytes(&vk_bytes, Some(&id)).unwrap();
    Prover::new(Engine::new(), model, pk, vk).unwrap()
}

async fn connect(anvil: &Anvil, key: Option<usize>) -> RpcChain {
    let keys = key
        .map(|k| vec![parse_private_key(KEYS[k]).unwrap()])
        .unwrap_or_default();
    RpcChain::connect(&anvil.url, keys).await.unwrap()
}

/// A node on anvil (which mines a block per transaction): no confirmations unless `config` asks.
async fn node_with(
    anvil: &Anvil,
    key: usize,
    config: ProviderConfig,
    model: ServedModel,
) -> ProviderNode {
    let chain = connect(anvil, Some(key)).await;
    ProviderNode::new(chain, config, vec![model]).await.unwrap()
}

async fn node(anvil: &Anvil, key: usize, escrow: Address, model: ServedModel) -> ProviderNode {
    let config = ProviderConfig {
        confirmations: 0,
        ..ProviderConfig::new(escrow)
    };
    node_with(anvil, key, config, model).await
}

/// Transactions `who` has sent (its nonce). Blocking: call it outside [`run`].
fn nonce(anvil: &Anvil, who: Address) -> u64 {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "eth_getTransactionCount",
        "params": [who.to_string(), "latest"],
    });
    let answer: serde_json::Value = reqwest::blocking::Client::new()
        .post(&anvil.url)
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let hex = answer["result"].as_str().unwrap();
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

/// `zkinfer provider --once --model MODEL` from block 0 on anvil, signed by `KEYS[2]`, plus
/// `extra`.
fn provider_once(anvil: &Anvil, model: &str, escrow: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "provider",
        "--rpc-url",
        &anvil.url,
        "--key",
        KEYS[2],
        "--allow-insecure-key",
        "--escrow",
        escrow,
        "--model",
        model,
        "--from-block",
        "0",
        "--once",
    ];
    args.extend_from_slice(extra);
    ok(&zkinfer(&args))
}

/// Waits (at most 20 s) until `path` holds a line containing every one of `parts`.
fn wait_for_line(path: &Path, parts: &[&str]) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
            return l.to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no line with {parts:?} in {}:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn provider_process_proves_and_request_wait_verifies_natively() {
    let anvil = start_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mlp");
    compile_mlp(&dir, 5);
    let escrow = deploy(&anvil, &dir, 0);
    let provider: Address = parse_private_key(KEYS[2]).unwrap().address();
    let before = run(async { connect(&anvil, None).await.balance(provider).await.unwrap() });

    // the provider node runs in the background, from block 0 so it cannot miss the job
    let log = tmp.path().join("provider.out");
    let child = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(["provider", "--rpc-url", &anvil.url, "--key", KEYS[2]])
        .args(["--allow-insecure-key", "--confirmations", "0"])
        .args(["--escrow", &escrow, "--model", s(&dir)])
        .args(["--poll-ms", "200", "--from-block", "0"])
        .stdout(File::create(&log).unwrap())
        .stderr(File::create(tmp.path().join("provider.err")).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut provider_process = KillOnDrop(child);

    let out = ok(&request(
        &anvil,
        &dir,
        &escrow,
        &["--wait", "--wait-timeout-secs", "60"],
    ));
    let job = field(&out, "job ");
    assert!(out.contains("verified natively: valid"), "{out}");
    assert!(out.contains(&format!("completed   by {provider}")), "{out}");
    // the outputs the proof states, dequantized: the mlp's ten class scores
    let outputs = field(&out, "outputs ");
    let outputs: Vec<Vec<f64>> = serde_json::from_str(&outputs).unwrap();
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0].len(), 10);

    let line = wait_for_line(&log, &[&format!("job {job} "), " paid ", " gas "]);
    assert!(line.contains("tx 0x"), "{line}");
    assert!(
        provider_process.0.try_wait().unwrap().is_none(),
        "the provider exited"
    );
    let after = run(async { connect(&anvil, None).await.balance(provider).await.unwrap() });
    assert!(after > before, "the provider was not paid");
    assert!(
        after - before < U256::from(PAYMENT),
        "paid more than the payment"
    );

    // Ctrl-C (SIGINT) stops the node cleanly
    let pid = provider_process.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = provider_process.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "SIGINT did not stop the provider"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn two_nodes_race_for_one_job_and_exactly_one_is_paid() {
    let anvil = start_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    compile_mlp(dir, 6);
    let escrow_s = deploy(&anvil, dir, 0);
    let escrow: Address = escrow_s.parse().unwrap();
    let job: u64 = field(&ok(&request(&anvil, dir, &escrow_s, &[])), "job ")
        .parse()
        .unwrap();
    let prover = Arc::new(load_prover(dir));
    run(async {
        let served = ServedModel::new(prover);
        let mut a = node(&anvil, 2, escrow, served.clone()).await;
        let mut b = node(&anvil, 3, escrow, served).await;
        let mut chain = connect(&anvil, None).await;
        let (pa, pb) = (a.address(), b.address());
        let before = [
            chain.balance(escrow).await.unwrap(),
            chain.balance(pa).await.unwrap(),
            chain.balance(pb).await.unwrap(),
        ];
        assert_eq!(before[0], U256::from(PAYMENT));

        // both see the open job, prove it and submit: the chain orders them
        let (ra, rb) = tokio::join!(a.poll_once(), b.poll_once());
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!((ra.len(), rb.len()), (1, 1), "{ra:?} {rb:?}");
        assert_eq!((ra[0].job_id, rb[0].job_id), (job, job));
        let a_won = matches!(ra[0].outcome, Outcome::Paid { .. });
        let (winner, loser) = if a_won {
            (&ra[0], &rb[0])
        } else {
            (&rb[0], &ra[0])
        };
        let (win_addr, lose_addr) = if a_won { (pa, pb) } else { (pb, pa) };
        let (win_before, lose_before) = if a_won {
            (before[1], before[2])
        } else {
            (before[2], before[1])
        };
        eprintln!("winner: {winner}\nloser:  {loser}");

        // (the winner withdrew its payment at once)
        let record = get_job(&mut chain, escrow, job).await.unwrap();
        assert_eq!(JobStatus::of(&record), JobStatus::Withdrawn);
        assert_eq!(record.provider, win_addr);
        // the escrow paid out once, all of it
        assert_eq!(chain.balance(escrow).await.unwrap(), U256::ZERO);
        let Outcome::Paid {
            fee, payment, tx, ..
        } = &winner.outcome
        else {
            panic!("no winner: {winner} / {loser}");
        };
        assert!(tx.is_some());
        assert_eq!(*payment, U256::from(PAYMENT));
        // the payment less the submission's fee and the withdrawal's (under 100k gas at
        // anvil's few gwei, so under 0.001 ETH)
        let credited = win_before + U256::from(PAYMENT) - fee;
        let win_after = chain.balance(win_addr).await.unwrap();
        assert!(win_after < credited, "{win_after} {credited}");
        assert!(
            win_after + U256::from(10u64.pow(15)) > credited,
            "{win_after} {credited}"
        );
        // the loser lost the race cleanly, paying at most the gas of a reverted transaction
        let lose_after = chain.balance(lose_addr).await.unwrap();
        match &loser.outcome {
            Outcome::Lost { reason, fee, .. } => {
                assert!(
                    reason.contains("WrongStatus")
                        || reason.contains(&format!("paid to {win_addr}")),
                    "{reason}"
                );
                assert_eq!(lose_after, lose_before - fee);
            }
            Outcome::Skipped { reason } => {
                assert_eq!(reason, &format!("already paid to {win_addr}"));
                assert_eq!(lose_after, lose_before);
            }
            o => panic!("the loser's outcome is {o:?}"),
        }

        // polling again: a settled job is never handled twice
        let (ra, rb) = tokio::join!(a.poll_once(), b.poll_once());
        assert!(ra.unwrap().is_empty() && rb.unwrap().is_empty());
        assert_eq!((a.handled().len(), b.handled().len()), (1, 1));
        assert_eq!(a.pending() + b.pending(), 0);
        assert_eq!(chain.balance(lose_addr).await.unwrap(), lose_after);
    });
}

#[test]
fn nodes_skip_jobs_they_could_not_be_paid_for() {
    let anvil = start_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    compile_mlp(dir, 7);
    let escrow_s = deploy(&anvil, dir, 0);
    let escrow: Address = escrow_s.parse().unwrap();
    let prover = Arc::new(load_prover(dir));
    let input = {
        let shapes = prover.model().graph.input_shapes();
        let text = std::fs::read_to_string(models().join("mlp/input.json")).unwrap();
        let sample = InputData::from_json(&text)
            .unwrap()
            .single(&shapes)
            .unwrap();
        prover.quantize_inputs(&sample).unwrap()
    };
    run(async {
        // job 1 attaches an input that is not the committed one
        let mut requester = connect(&anvil, Some(1)).await;
        let now = requester.timestamp().await.unwrap();
        let bad = JobRequest {
            key_hash: key_hash(prover.verifying_key()),
            input_commitment: Fr::from(12345u64),
            deadline: now + 3600,
            input_blob: encode_input_blob(&input).unwrap(),
            token: Address::ZERO,
            amount: U256::from(PAYMENT),
        };
        let me = requester.accounts()[0];
        assert_eq!(
            open_job(&mut requester, me, escrow, &bad)
                .await
                .unwrap()
                .job_id,
            1
        );
        // job 2 expires before any node looks; job 3 is a good job
        ok(&request(&anvil, dir, &escrow_s, &["--deadline-secs", "60"]));
        requester.advance_time(61).await.unwrap();
        ok(&request(&anvil, dir, &escrow_s, &[]));

        // a node serving another setup of the model (another key) sees none of them
        let other_dir = tmp.path().join("other");
        compile_mlp(&other_dir, 8);
        let other = ServedModel::new(Arc::new(load_prover(&other_dir)));
        let mut other_node = node(&anvil, 3, escrow, other).await;
        assert!(other_node.poll_once().await.unwrap().is_empty());
        assert_eq!(other_node.pending(), 0);
    });

    // the CLI node, once: skips the first two with their reasons, is paid for the third
    let out = provider_once(&anvil, s(dir), &escrow_s, &["--confirmations", "0"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("job 1  model 0x"), "{out}");
    assert!(
        lines[0].contains("skipped (the attached input does not match the job's input commitment)"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("job 2 ") && lines[1].contains("skipped (deadline"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("job 3 ") && lines[2].contains(" paid "),
        "{out}"
    );
    run(async {
        let mut chain = connect(&anvil, None).await;
        let record = get_job(&mut chain, escrow, 3).await.unwrap();
        assert_eq!(JobStatus::of(&record), JobStatus::Withdrawn);
        assert_eq!(
            record.provider,
            parse_private_key(KEYS[2]).unwrap().address()
        );
        for job in [1, 2] {
            let record = get_job(&mut chain, escrow, job).await.unwrap();
            assert_eq!(JobStatus::of(&record), JobStatus::Open);
        }
    });

    // with no provider running, `request --wait` gives up after its timeout: exit 1
    let waited = request(
        &anvil,
        dir,
        &escrow_s,
        &["--wait", "--wait-timeout-secs", "1"],
    );
    let out = String::from_utf8_lossy(&waited.stdout);
    assert_eq!(waited.status.code(), Some(1), "{out}");
    assert!(
        out.contains("no result: no provider completed job 4 within 1 s"),
        "{out}"
    );
}

#[test]
fn the_best_paid_jobs_go_first_and_underpaid_ones_cost_nothing() {
    let anvil = start_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    compile_mlp(dir, 9);
    let escrow_s = deploy(&anvil, dir, 0);
    let escrow: Address = escrow_s.parse().unwrap();
    // job 1 pays 1 wei; jobs 2, 3 and 4 pay 1, 3 and 2 × PAYMENT
    for payment in [1, PAYMENT, 3 * PAYMENT, 2 * PAYMENT] {
        ok(&request_paying(&anvil, dir, &escrow_s, payment, &[]));
    }
    let provider = parse_private_key(KEYS[2]).unwrap().address();
    let balance = || run(async { connect(&anvil, None).await.balance(provider).await.unwrap() });
    let before = balance();
    let once = &["--confirmations", "0", "--max-concurrent", "1"];

    // a model minimum above every payment: all four skipped, best-paid first, nothing sent
    let min = (10 * PAYMENT).to_string();
    let out = provider_once(&anvil, &format!("{}:{min}", s(dir)), &escrow_s, once);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for (line, job) in lines.iter().zip([3, 4, 2, 1]) {
        assert!(line.starts_with(&format!("job {job} ")), "{out}");
        assert!(
            line.contains(&format!(
                "below the node's price of {min} wei (minimum {min} wei;"
            )),
            "{out}"
        );
    }
    assert_eq!((nonce(&anvil, provider), balance()), (0, before));

    // proving time priced at 1,000 ETH a second: the node times one proof at startup and
    // skips all four, naming the measured time, before any transaction
    let mut priced = once.to_vec();
    priced.extend(["--wei-per-proof-second", "1000000000000000000000"]);
    let out = provider_once(&anvil, s(dir), &escrow_s, &priced);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for line in &lines {
        assert!(
            line.contains(" ms × 1000000000000000000000 wei/s)"),
            "{out}"
        );
    }
    assert_eq!((nonce(&anvil, provider), balance()), (0, before));

    // at the default price (gas + 50 %): the three well-paid jobs in order of payment, and the
    // 1-wei job skipped with its figures, before any proof or transaction
    let out = provider_once(&anvil, s(dir), &escrow_s, once);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for (line, job) in lines.iter().zip([3, 4, 2]) {
        assert!(
            line.starts_with(&format!("job {job} ")) && line.contains(" paid "),
            "{out}"
        );
    }
    assert!(
        lines[3].starts_with("job 1 ")
            && lines[3].contains("skipped (pays 1 wei, below the node's price of ")
            && lines[3].contains("gas 300000 × "),
        "{out}"
    );
    // three submissions and three withdrawals: not one transaction for job 1
    assert_eq!(nonce(&anvil, provider), 6);
    let paid = balance();
    assert!(paid > before, "the provider was not paid");
    run(async {
        let mut chain = connect(&anvil, None).await;
        let record = get_job(&mut chain, escrow, 1).await.unwrap();
        assert_eq!(JobStatus::of(&record), JobStatus::Open);
        // settled on chain in the order taken
        let mut blocks = Vec::new();
        for job in [3, 4, 2] {
            match chain.job_settlement(escrow, job, 0).await.unwrap() {
                Some(Settlement::Completed(done)) => blocks.push(done.block.unwrap()),
                other => panic!("job {job}: {other:?}"),
            }
        }
        assert!(blocks.windows(2).all(|w| w[0] < w[1]), "{blocks:?}");
    });

    // polled again: everything skipped (settled, or underpaid), nothing spent
    let out = provider_once(&anvil, s(dir), &escrow_s, once);
    assert_eq!(out.matches(" skipped (").count(), 4, "{out}");
    assert_eq!((nonce(&anvil, provider), balance()), (6, paid));
}

#[test]
fn jobs_wait_for_their_confirmations_and_run_concurrently() {
    let anvil = start_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    compile_mlp(dir, 10);
    let escrow_s = deploy(&anvil, dir, 0);
    let escrow: Address = escrow_s.parse().unwrap();
    let prover = Arc::new(load_prover(dir));
    for _ in 0..2 {
        ok(&request(&anvil, dir, &escrow_s, &[]));
    }
    let provider = run(async {
        let config = ProviderConfig {
            confirmations: 2,
            max_concurrent: 2,
            ..ProviderConfig::new(escrow)
        };
        let mut node = node_with(&anvil, 2, config, ServedModel::new(prover)).await;
        let mut chain = connect(&anvil, None).await;
        // job 1's block is one below the latest, job 2's is the latest: neither is taken
        assert!(node.poll_once().await.unwrap().is_empty());
        assert_eq!(node.pending(), 0);
        let latest = chain.block_number().await.unwrap();
        assert_eq!(node.next_block(), latest - 1);
        // one more block: job 1 has its two confirmations, job 2 not yet
        chain.advance_time(1).await.unwrap();
        let done = node.poll_once().await.unwrap();
        assert_eq!(done.len(), 1, "{done:?}");
        assert_eq!(done[0].job_id, 1);
        assert!(
            matches!(done[0].outcome, Outcome::Paid { .. }),
            "{}",
            done[0]
        );
        assert_eq!(node.next_block(), latest);

        // job 3 is opened and two blocks mined on top: jobs 2 and 3 are both confirmed,
        // proved at once, and both paid (their four transactions from one account go out one
        // by one, so no nonce is used twice)
        ok(&request(&anvil, dir, &escrow_s, &[]));
        chain.advance_time(1).await.unwrap();
        chain.advance_time(1).await.unwrap();
        let done = node.poll_once().await.unwrap();
        let mut ids: Vec<u64> = done.iter().map(|h| h.job_id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![2, 3], "{done:?}");
        for h in &done {
            assert!(matches!(h.outcome, Outcome::Paid { .. }), "{h}");
            assert!(h.prove_ms.is_some());
        }
        for job in 1..=3 {
            let record = get_job(&mut chain, escrow, job).await.unwrap();
            assert_eq!(JobStatus::of(&record), JobStatus::Withdrawn, "job {job}");
        }
        assert_eq!(chain.balance(escrow).await.unwrap(), U256::ZERO);
        node.address()
    });
    assert_eq!(nonce(&anvil, provider), 6);
}

#[test]
fn token_jobs_are_taken_only_at_a_minimum_for_their_token() {
    let anvil = start_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    compile_mlp(dir, 11);
    let deployed = ok(&zkinfer(&[
        "deploy",
        s(dir),
        "--allow-insecure-key",
        "--test-token",
        "--rpc-url",
        &anvil.url,
        "--key",
        KEYS[0],
    ]));
    let escrow = field(&deployed, "escrow ");
    let token = field(&deployed, "token ");
    // the deployer holds the minted tokens: it opens a job paying 500 units
    let input = models().join("mlp/input.json");
    ok(&zkinfer(&[
        "request",
        s(dir),
        "--input",
        s(&input),
        "--escrow",
        &escrow,
        "--payment",
        "500",
        "--token",
        &token,
        "--rpc-url",
        &anvil.url,
        "--key",
        KEYS[0],
        "--allow-insecure-key",
    ]));
    let provider = parse_private_key(KEYS[2]).unwrap().address();
    let zero = ["--confirmations", "0"];
    // no minimum for the token: skipped, nothing sent
    let out = provider_once(&anvil, s(dir), &escrow, &zero);
    assert_eq!(
        out.trim_end().split("  ").last().unwrap(),
        format!("skipped (pays in token {token}, for which the node has no minimum)"),
        "{out}"
    );
    // a minimum above the payment: skipped with both figures
    let above = format!("{token}:501");
    let out = provider_once(
        &anvil,
        s(dir),
        &escrow,
        &["--confirmations", "0", "--min-token-payment", &above],
    );
    assert!(
        out.contains(&format!(
            "skipped (pays 500 of token {token}, below the node's minimum of 501)"
        )),
        "{out}"
    );
    assert_eq!(nonce(&anvil, provider), 0);
    // at a minimum it pays: proved, paid and withdrawn in tokens
    let at = format!("{token}:500");
    let out = provider_once(
        &anvil,
        s(dir),
        &escrow,
        &["--confirmations", "0", "--min-token-payment", &at],
    );
    assert!(
        out.starts_with("job 1 ") && out.contains(&format!(" paid 500 of token {token} ")),
        "{out}"
    );
    let token: Address = token.parse().unwrap();
    run(async {
        let mut chain = connect(&anvil, None).await;
        let held = zkinfer_evm::balance_of(&mut chain, token, provider)
            .await
            .unwrap();
        assert_eq!(held, U256::from(500u64));
    });
}
