//! Models the service proves: registration (compile, then setup or the first step of a
//! ceremony in the background), their records, and the loaded provers (a bounded LRU cache). A model lives in
//! `DATA/models/<model id>/` with the same files `zkinfer compile` and `zkinfer setup` write.
//!
//! Models are identified by content (the blake3 model id). Each record lists the tokens that
//! registered it (`owners`); only they can see it, prove with it or verify against it: for any
//! other token it does not exist (404). Registering a model another token already registered
//! costs no new setup: it adds the caller to its owners.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use zkinfer_ir::{CompiledModel, InputData, QuantizeSettings};
use zkinfer_prover::{setup, write_atomic, Engine, Prover, ProvingKeyFile, Selected};
use zkinfer_verifier::{KeyProvenance, VerifyingKeyFile};

use crate::budget::ModelStats;
use crate::ServiceError;

/// File names inside a model directory (as the CLI writes them).
pub const MODEL_FILE: &str = "model.json";
/// The proving key.
pub const PK_FILE: &str = "proving_key.bin";
/// The verifying key.
pub const VK_FILE: &str = "verifying_key.bin";

/// Where a model's registration is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ModelState {
    /// Compiled; the keys are being generated.
    SettingUp,
    /// A ceremony is under way (the service contributed first): owners may add their own
    /// contributions (`POST …/ceremony/contributions`) until one finalizes it; no keys yet.
    Ceremony {
        /// Contributions so far.
        contributions: usize,
    },
    /// Keys made: jobs can be proved.
    Ready,
    /// Setup failed.
    Failed {
        /// Why.
        reason: String,
    },
}

/// One model input or output as the API describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorInfo {
    /// Shape.
    pub shape: Vec<usize>,
    /// Fixed-point scale (`q / 2^scale`).
    pub scale: i32,
    /// Bits a quantized value must fit (inputs; 0 for outputs).
    pub bits: u32,
}

/// A registered model (`GET /v1/models/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// Hex blake3 model id.
    pub model_id: String,
    /// A name given at registration.
    pub name: String,
    /// Registration state.
    #[serde(flatten)]
    pub state: ModelState,
    /// R1CS constraints of the model's circuit.
    pub constraints: usize,
    /// Public inputs of a proof.
    pub public_inputs: usize,
    /// Estimated peak memory of setup and proving, bytes (see `budget`).
    #[serde(default)]
    pub estimated_memory_bytes: u64,
    /// Ids of the tokens that registered the model (not shown by the API).
    #[serde(default)]
    pub owners: Vec<String>,
    /// The inputs a job must give.
    pub inputs: Vec<TensorInfo>,
    /// The outputs a proof states.
    pub outputs: Vec<TensorInfo>,
    /// The quantization settings.
    pub settings: QuantizeSettings,
    /// The proof mode chosen for the model, and why (absent in records of older services).
    #[serde(default)]
    pub proof_mode: String,
    /// Registration time (seconds since the Unix epoch).
    pub created_unix: u64,
}

impl ModelRecord {
    /// Whether token `owner` registered the model (and so may see and use it).
    pub fn owned_by(&self, owner: &str) -> bool {
        self.owners.iter().any(|o| o == owner)
    }

    /// The record as the API shows it (without its owners).
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("owners");
        }
        v
    }
}

/// A least-recently-used cache of at most `capacity` entries (a short vector: capacities are
/// a handful of provers, each tens to hundreds of MiB).
pub struct Lru<V> {
    capacity: usize,
    /// Least recently used first.
    entries: Vec<(String, V)>,
}

impl<V: Clone> Lru<V> {
    /// An empty cache holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Lru {
            capacity: capacity.max(1),
            entries: Vec::new(),
        }
    }

    /// The entry for `key`, now the most recently used.
    pub fn get(&mut self, key: &str) -> Option<V> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        let e = self.entries.remove(i);
        let v = e.1.clone();
        self.entries.push(e);
        Some(v)
    }

    /// Inserts (or replaces) `key`, evicting the least recently used entries beyond capacity.
    pub fn insert(&mut self, key: &str, v: V) {
        self.entries.retain(|(k, _)| k != key);
        self.entries.push((key.to_string(), v));
        while self.entries.len() > self.capacity {
            self.entries.remove(0);
        }
    }

    /// Keys, least recently used first.
    pub fn keys(&self) -> Vec<&str> {
        self.entries.iter().map(|(k, _)| k.as_str()).collect()
    }
}

/// The service's models: their directory and the provers loaded so far.
pub struct Models {
    dir: PathBuf,
    provers: Mutex<Lru<Arc<Prover<Engine>>>>,
    engine: Selected,
}

impl Models {
    /// Models stored under `data/models`, with at most `max_cached_provers` provers loaded,
    /// each proving on the `engine` chosen at start-up.
    pub fn new(data: &Path, max_cached_provers: usize, engine: Selected) -> Self {
        Models {
            dir: data.join("models"),
            provers: Mutex::new(Lru::new(max_cached_provers)),
            engine,
        }
    }

    /// The engine the provers run on.
    pub fn engine(&self) -> &Engine {
        &self.engine.engine
    }

    /// Which engine runs and, when `auto` fell back to the CPU, why (one line).
    pub fn engine_note(&self) -> &str {
        &self.engine.note
    }

    /// The directory of model `id`.
    pub fn dir_of(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Compiles an ONNX model with its calibration data and counts its circuit (blocking:
    /// run it off the async executor). Returns the record (state `setting_up`, no owners yet),
    /// the model's figures for the budget check, and the compiled model; writes nothing.
    pub fn compile(
        &self,
        name: &str,
        onnx: &[u8],
        calibration: &InputData,
        settings: QuantizeSettings,
        request: zkinfer_r1cs::ModeRequest,
        now: u64,
    ) -> Result<(ModelRecord, ModelStats, CompiledModel), ServiceError> {
        let float = zkinfer_onnx::import_bytes(onnx, Path::new(name))
            .map_err(|e| ServiceError::BadModel(e.to_string()))?;
        let compiled = zkinfer_onnx::compile_graph(float, calibration, settings.clone())
            .map_err(|e| ServiceError::BadModel(e.to_string()))?;
        // counted from the IR alone (no synthesis: microseconds, no allocation per constraint),
        // so an oversized model is refused before anything proportional to it is built; the
        // proof mode is chosen from the same counts
        let choice = zkinfer_r1cs::choose_mode(&compiled.model.graph, request)
            .map_err(|e| ServiceError::BadModel(e.to_string()))?;
        let stats = if choice.mode.is_plain() {
            choice.plain
        } else {
            choice.lookup
        }
        .ok_or_else(|| ServiceError::BadModel("no circuit size for the chosen mode".into()))?;
        let proof_mode = choice.reason.clone();
        let model = compiled.model.with_proof_mode(choice.mode);
        let budget = ModelStats::from_counts(stats.constraints, stats.public_inputs);
        let id = model.model_id.to_string();
        let g = &model.graph;
        let record = ModelRecord {
            model_id: id,
            name: name.to_string(),
            state: ModelState::SettingUp,
            constraints: stats.constraints,
            public_inputs: stats.public_inputs,
            estimated_memory_bytes: budget.estimated_memory_bytes,
            owners: Vec::new(),
            inputs: g
                .inputs
                .iter()
                .map(|i| TensorInfo {
                    shape: i.fact.shape.clone(),
                    scale: i.fact.scale,
                    bits: i.bits,
                })
                .collect(),
            outputs: g
                .output_facts()
                .into_iter()
                .map(|f| TensorInfo {
                    shape: f.shape.clone(),
                    scale: f.scale,
                    bits: 0,
                })
                .collect(),
            settings,
            proof_mode,
            created_unix: now,
        };
        Ok((record, budget, model))
    }

    /// Writes the compiled model's `model.json` into its directory.
    pub fn save(&self, model: &CompiledModel) -> Result<(), ServiceError> {
        let dir = self.dir_of(&model.model_id.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| ServiceError::Io(e.to_string()))?;
        model
            .save(&dir.join(MODEL_FILE))
            .map_err(|e| ServiceError::Io(e.to_string()))
    }

    /// Runs setup for a compiled model and writes its keys (the service acts as the registry:
    /// the keys record that it made them). Blocking; seconds for real models.
    pub fn setup(
        &self,
        model: &CompiledModel,
        made_by: &str,
        now: u64,
    ) -> Result<(), ServiceError> {
        let provenance = KeyProvenance {
            made_by: made_by.to_string(),
            insecure_seed: None,
            created_unix: now,
            ceremony: None,
        };
        let (pk, vk) = setup(model, &mut rand::rngs::OsRng, provenance)
            .map_err(|e| ServiceError::Prove(e.to_string()))?;
        let dir = self.dir_of(&model.model_id.to_string());
        let io = |e: zkinfer_prover::ProveError| ServiceError::Io(e.to_string());
        let fmt = |e: zkinfer_verifier::FormatError| ServiceError::Io(e.to_string());
        write_atomic(&dir.join(PK_FILE), &pk.to_bytes().map_err(fmt)?).map_err(io)?;
        write_atomic(&dir.join(VK_FILE), &vk.to_bytes().map_err(fmt)?).map_err(io)?;
        Ok(())
    }

    /// The verifying key of model `id`.
    pub fn verifying_key(&self, id: &str) -> Result<VerifyingKeyFile, ServiceError> {
        let bytes = std::fs::read(self.dir_of(id).join(VK_FILE))
            .map_err(|e| ServiceError::Io(format!("verifying key of {id}: {e}")))?;
        VerifyingKeyFile::from_bytes(&bytes, None).map_err(|e| ServiceError::Io(e.to_string()))
    }

    /// The prover for model `id`: from the cache, or loaded (blocking) and cached, evicting the
    /// least recently used prover beyond the cache's capacity. Refuses keys that were not made
    /// together (`KeyMismatch`).
    pub fn prover(&self, id: &str) -> Result<Arc<Prover<Engine>>, ServiceError> {
        if let Some(p) = self.lock().get(id) {
            return Ok(p);
        }
        let dir = self.dir_of(id);
        let model = CompiledModel::load(&dir.join(MODEL_FILE))
            .map_err(|e| ServiceError::Io(format!("model {id}: {e}")))?;
        let pk = ProvingKeyFile::load(&dir.join(PK_FILE), &model.model_id.0)
            .map_err(|e| ServiceError::Io(format!("proving key of {id}: {e}")))?;
        let vk = self.verifying_key(id)?;
        let prover = Arc::new(
            Prover::new(self.engine.engine.clone(), model, pk, vk)
                .map_err(|e| ServiceError::Prove(e.to_string()))?,
        );
        self.lock().insert(id, prover.clone());
        Ok(prover)
    }

    /// Ids of the cached provers, least recently used first.
    pub fn cached(&self) -> Vec<String> {
        self.lock().keys().into_iter().map(str::to_string).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru<Arc<Prover<Engine>>>> {
        self.provers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lru_keeps_the_most_recently_used() {
        let mut c = Lru::new(2);
        c.insert("a", 1);
        c.insert("b", 2);
        assert_eq!(c.get("a"), Some(1));
        c.insert("c", 3);
        assert_eq!(c.keys(), vec!["a", "c"]);
        assert_eq!(c.get("b"), None);
        c.insert("a", 4);
        assert_eq!(c.keys(), vec!["c", "a"]);
        assert_eq!(c.get("a"), Some(4));
    }
}
