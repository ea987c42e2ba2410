//! `zkinfer token create|list|revoke --data DIR`: the service's API tokens. A token's secret is
//! printed once, at creation; the store keeps only its blake3 hash. The store is locked by a
//! running `zkinfer serve`, so manage tokens while the service is stopped.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_service::now_unix;
use zkinfer_service::store::Store;

/// Arguments of `zkinfer token`.
#[derive(clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(clap::Subcommand)]
enum TokenCommand {
    /// Make a token and print it (once: it cannot be shown again).
    Create {
        /// The service's data directory.
        #[arg(long)]
        data: PathBuf,
        /// Who or what the token is for.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (ids, labels, creation times; never secrets).
    List {
        /// The service's data directory.
        #[arg(long)]
        data: PathBuf,
    },
    /// Revoke a token by its id: it stops working at once (after a restart of the service).
    Revoke {
        /// The service's data directory.
        #[arg(long)]
        data: PathBuf,
        /// The token's id (from `zkinfer token list`).
        id: String,
    },
}

fn open(data: &std::path::Path) -> anyhow::Result<Store> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    Store::open(data).with_context(|| {
        format!(
            "opening the store in {} (is `zkinfer serve` running on it? stop it first)",
            data.display()
        )
    })
}

/// Runs `zkinfer token`.
pub fn run(a: TokenArgs) -> anyhow::Result<ExitCode> {
    match a.command {
        TokenCommand::Create { data, label } => {
            let store = open(&data)?;
            let (secret, rec) = store.create_token(&label, now_unix())?;
            // the secret alone on stdout, so scripts can capture it
            println!("{}", secret.as_str());
            eprintln!(
                "token {} ({}) created; it is shown only now: keep it secret. \
                 Clients send `Authorization: Bearer <token>`.",
                rec.id,
                if rec.label.is_empty() {
                    "no label"
                } else {
                    &rec.label
                }
            );
        }
        TokenCommand::List { data } => {
            let store = open(&data)?;
            println!("{:<16}  {:>12}  label", "id", "created_unix");
            for t in store.tokens()? {
                println!("{:<16}  {:>12}  {}", t.id, t.created_unix, t.label);
            }
        }
        TokenCommand::Revoke { data, id } => {
            let store = open(&data)?;
            if !store.revoke_token(&id)? {
                anyhow::bail!("no token with id {id}");
            }
            eprintln!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
