//! The escrow's pull-based settlement, one transaction each:
//! `zkinfer cancel --job-id N --escrow ADDR` (the requester shortens an unclaimed job's
//! deadline to the cancel notice), `zkinfer refund --job-id N --escrow ADDR [--to ADDR]` (the
//! requester takes back an expired job's payment) and `zkinfer withdraw --job-id N …
//! --escrow ADDR [--to ADDR]` (the provider takes its payments). Each checks the escrow's code
//! first; a refusal prints the escrow's reason and exits 1.

use std::process::ExitCode;

use zkinfer_evm::{
    balance_of, cancel, check_escrow_code, get_job, refund, revert_reason, withdraw, Address,
    Receipt, RpcChain,
};

use super::chain_args::{block_on, parse_address, tx_hash, ChainArgs};

/// Arguments of `zkinfer cancel`.
#[derive(clap::Args)]
pub struct CancelArgs {
    #[command(flatten)]
    pub chain: ChainArgs,
    /// The escrow contract.
    #[arg(long)]
    pub escrow: String,
    /// The job to cancel (opened by the signing account, not completed).
    #[arg(long)]
    pub job_id: u64,
}

/// Arguments of `zkinfer refund`.
#[derive(clap::Args)]
pub struct RefundArgs {
    #[command(flatten)]
    pub chain: ChainArgs,
    /// The escrow contract.
    #[arg(long)]
    pub escrow: String,
    /// The expired job to refund (opened by the signing account).
    #[arg(long)]
    pub job_id: u64,
    /// Where the payment goes (default: the signing account).
    #[arg(long)]
    pub to: Option<String>,
}

/// Arguments of `zkinfer withdraw`.
#[derive(clap::Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub chain: ChainArgs,
    /// The escrow contract.
    #[arg(long)]
    pub escrow: String,
    /// Jobs the signing account was paid for; repeat for several (one transaction).
    #[arg(long = "job-id", required = true)]
    pub job_ids: Vec<u64>,
    /// Where the payments go (default: the signing account).
    #[arg(long)]
    pub to: Option<String>,
}

/// Connects and checks that `escrow` runs the audited escrow code.
async fn connect(chain: &ChainArgs, escrow: &str) -> anyhow::Result<(RpcChain, Address, Address)> {
    let escrow = parse_address(escrow, "--escrow")?;
    let (mut c, me) = chain.connect().await?;
    check_escrow_code(&mut c, escrow).await?;
    Ok((c, me, escrow))
}

/// Prints a receipt: the transaction and its gas, or the escrow's reason for refusing (exit 1).
fn report(what: &str, r: &Receipt) -> ExitCode {
    if r.success {
        println!("{what:<11} tx {}  gas {}", tx_hash(r), r.gas_used);
        ExitCode::SUCCESS
    } else {
        println!("refused     {}", revert_reason(&r.output));
        ExitCode::from(1)
    }
}

fn receiver(to: Option<&str>, me: Address) -> anyhow::Result<Address> {
    to.map_or(Ok(me), |t| parse_address(t, "--to"))
}

/// Runs `zkinfer cancel`.
pub fn run_cancel(a: CancelArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let (mut chain, me, escrow) = connect(&a.chain, &a.escrow).await?;
        let r = cancel(&mut chain, me, escrow, a.job_id).await?;
        let code = report("cancelled", &r);
        if r.success {
            let job = get_job(&mut chain, escrow, a.job_id).await?;
            println!(
                "deadline    {} (refund with `zkinfer refund` after it)",
                job.deadline
            );
        }
        Ok(code)
    })?
}

/// Runs `zkinfer refund`.
pub fn run_refund(a: RefundArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let (mut chain, me, escrow) = connect(&a.chain, &a.escrow).await?;
        let to = receiver(a.to.as_deref(), me)?;
        let job = get_job(&mut chain, escrow, a.job_id).await?;
        let r = refund(&mut chain, me, escrow, a.job_id, to).await?;
        let code = report("refunded", &r);
        if r.success {
            println!("sent        {} to {to}", amount(job.token, job.amount.to()));
        }
        Ok(code)
    })?
}

/// Runs `zkinfer withdraw`.
pub fn run_withdraw(a: WithdrawArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let (mut chain, me, escrow) = connect(&a.chain, &a.escrow).await?;
        let to = receiver(a.to.as_deref(), me)?;
        let r = withdraw(&mut chain, me, escrow, &a.job_ids, to).await?;
        let code = report("withdrawn", &r);
        if r.success {
            for &id in &a.job_ids {
                let job = get_job(&mut chain, escrow, id).await?;
                let balance = balance_of(&mut chain, job.token, to).await?;
                println!(
                    "job {id:<7} {} to {to} (balance now {})",
                    amount(job.token, job.amount.to()),
                    amount(job.token, balance)
                );
            }
        }
        Ok(code)
    })?
}

/// An amount of ETH (`token` zero) or of an ERC-20 token, for printing.
fn amount(token: Address, value: zkinfer_evm::U256) -> String {
    if token == Address::ZERO {
        super::chain_args::ether(value)
    } else {
        format!("{value} units of token {token}")
    }
}
