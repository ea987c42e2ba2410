//! A model's trusted-setup ceremony in the service (`serve --ptau`): the service makes the
//! initial `.zkey` from the circuit and the `.ptau` and contributes first; the model's owners
//! download the `.zkey`, contribute on their own machines (`zkinfer ceremony contribute`) and
//! upload the result, which must verify as one step on the current key; finalizing (with an
//! optional beacon) verifies the whole transcript against the circuit and the `.ptau` and only
//! then writes the model's keys. The key a model is proved with is therefore one whose
//! transcript `verify` accepted, and any owner who contributed can trust it.
//!
//! The current `.zkey` lives in the model's directory as [`ZKEY_FILE`], replaced atomically.

use serde::Serialize;
use zkinfer_ceremony::ptau::{known_ptau, Ptau};
use zkinfer_ceremony::verify::{verify_step, Report, Summary};
use zkinfer_ceremony::zkey::{Zkey, CONTRIBUTION_ORDER};
use zkinfer_ceremony::{contribute, finalize, init, rng};
use zkinfer_ir::CompiledModel;
use zkinfer_prover::write_atomic;

use crate::models::{Models, MODEL_FILE, PK_FILE, VK_FILE};
use crate::ServiceError;

/// The current `.zkey` of a model's ceremony, in its directory (the final one once finalized,
/// where `zkinfer ceremony finalize` and the provider node expect it).
pub const ZKEY_FILE: &str = zkinfer_ceremony::finalize::ZKEY_FILE;

/// Contributions a ceremony takes at most (each upload costs a step verification).
pub const MAX_CONTRIBUTIONS: usize = 64;

/// One contribution as the API lists it.
#[derive(Clone, Debug, Serialize)]
pub struct ContributionView {
    /// Position, from 1.
    pub index: usize,
    /// The name given.
    pub name: Option<String>,
    /// The contribution hash (hex): each contributor finds theirs here.
    pub hash: String,
    /// For a beacon: `"<exp>:<beacon hex>"`.
    pub beacon: Option<String>,
}

impl From<&Summary> for ContributionView {
    fn from(s: &Summary) -> Self {
        ContributionView {
            index: s.index,
            name: s.name.clone(),
            hash: hex::encode(s.hash),
            beacon: s
                .beacon
                .as_ref()
                .map(|(e, h)| format!("{e}:{}", hex::encode(h))),
        }
    }
}

/// `GET /v1/models/{id}/ceremony`.
#[derive(Clone, Debug, Serialize)]
pub struct CeremonyView {
    /// The circuit hash (hex BLAKE2b-512 of the init key).
    pub circuit_hash: String,
    /// BLAKE2b-512 of the current `.zkey` (hex).
    pub zkey_hash: String,
    /// BLAKE2b-512 of the `.ptau` (hex), and its name when it is a known public file.
    pub ptau_hash: String,
    /// The public `.ptau` it is, if known.
    pub ptau_name: Option<String>,
    /// The contributions so far.
    pub contributions: Vec<ContributionView>,
}

fn io(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Io(e.to_string())
}

fn bad(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::BadCeremony(e.to_string())
}

impl Models {
    /// Starts model `model`'s ceremony: the init key from `ptau`, then the service's own
    /// contribution (OS randomness, named `made_by`). Blocking; tens of seconds for LeNet-5.
    pub fn ceremony_start(
        &self,
        model: &CompiledModel,
        ptau: &Ptau,
        made_by: &str,
    ) -> Result<usize, ServiceError> {
        let (r1cs, round1) = finalize::model_circuit(model).map_err(bad)?;
        let zkey = init::new_zkey_with(&r1cs, ptau, &round1).map_err(bad)?;
        let mut stream = rng::contribution_stream(&[]);
        let (zkey, _) =
            contribute::contribute(&zkey, &mut stream, Some(made_by.to_owned())).map_err(io)?;
        drop(stream);
        let dir = self.dir_of(&model.model_id.to_string());
        write_atomic(&dir.join(ZKEY_FILE), &zkey.to_bytes(&CONTRIBUTION_ORDER)).map_err(io)?;
        Ok(zkey.contributions.len())
    }

    /// The current `.zkey` of model `id`'s ceremony.
    pub fn ceremony_zkey(&self, id: &str) -> Result<Vec<u8>, ServiceError> {
        std::fs::read(self.dir_of(id).join(ZKEY_FILE))
            .map_err(|e| io(format!("ceremony of {id}: {e}")))
    }

    fn current(&self, id: &str) -> Result<(Zkey, Vec<u8>), ServiceError> {
        let bytes = self.ceremony_zkey(id)?;
        let zkey = Zkey::from_bytes(bytes.clone()).map_err(io)?;
        Ok((zkey, bytes))
    }

    /// Accepts `bytes` as the next `.zkey` of model `id`'s ceremony if it is the current key
    /// plus one valid contribution (`BadCeremony` naming the failed check otherwise).
    pub fn ceremony_contribute(&self, id: &str, bytes: Vec<u8>) -> Result<Summary, ServiceError> {
        let (current, _) = self.current(id)?;
        if current.contributions.len() >= MAX_CONTRIBUTIONS {
            return Err(bad(format!(
                "the ceremony has its maximum of {MAX_CONTRIBUTIONS} contributions: finalize it"
            )));
        }
        let next = Zkey::from_bytes(bytes).map_err(bad)?;
        let step = verify_step(&current, &next).map_err(bad)?;
        // Stored re-encoded: the same bytes for a well-formed file, in the contribution order.
        write_atomic(
            &self.dir_of(id).join(ZKEY_FILE),
            &next.to_bytes(&CONTRIBUTION_ORDER),
        )
        .map_err(io)?;
        Ok(step)
    }

    /// The state of model `id`'s ceremony.
    pub fn ceremony_view(&self, id: &str, ptau: &Ptau) -> Result<CeremonyView, ServiceError> {
        let (zkey, bytes) = self.current(id)?;
        let contributions = zkey
            .contributions
            .iter()
            .enumerate()
            .map(|(k, c)| {
                ContributionView::from(&Summary {
                    index: k + 1,
                    name: c.name().map(str::to_owned),
                    hash: c.hash(),
                    beacon: match &c.kind {
                        zkinfer_ceremony::transcript::ContributionKind::Beacon {
                            exp,
                            hash,
                            ..
                        } => Some((*exp, hash.clone())),
                        _ => None,
                    },
                })
            })
            .collect();
        Ok(CeremonyView {
            circuit_hash: hex::encode(zkey.cs_hash),
            zkey_hash: hex::encode(rng::blake2b(&bytes)),
            ptau_hash: hex::encode(ptau.hash),
            ptau_name: known_ptau(&ptau.hash).map(str::to_owned),
            contributions,
        })
    }

    /// Ends model `id`'s ceremony: applies the beacon if one is given, verifies the whole
    /// transcript against the model's circuit and `ptau`, and writes the model's keys from it.
    /// Blocking.
    pub fn ceremony_finalize(
        &self,
        id: &str,
        ptau: &Ptau,
        beacon: Option<(Vec<u8>, u32)>,
        made_by: &str,
        now: u64,
    ) -> Result<Report, ServiceError> {
        let dir = self.dir_of(id);
        let model = CompiledModel::load(&dir.join(MODEL_FILE)).map_err(io)?;
        let (mut zkey, mut bytes) = self.current(id)?;
        if let Some((hash, exp)) = beacon {
            zkey = contribute::beacon(&zkey, &hash, exp, Some("beacon".into()))
                .map_err(bad)?
                .0;
            bytes = zkey.to_bytes(&CONTRIBUTION_ORDER);
            write_atomic(&dir.join(ZKEY_FILE), &bytes).map_err(io)?;
        }
        let (pk, vk, report) =
            finalize::finalize(&model, ptau, &zkey, &bytes, made_by, now).map_err(bad)?;
        write_atomic(&dir.join(PK_FILE), &pk.to_bytes().map_err(io)?).map_err(io)?;
        write_atomic(&dir.join(VK_FILE), &vk.to_bytes().map_err(io)?).map_err(io)?;
        Ok(report)
    }
}
