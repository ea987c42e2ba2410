//! The compiled model artifact: a versioned, content-addressed, self-describing graph.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Graph, IrError, ProofMode};

/// Format version of `model.json`; readers refuse any other.
pub const COMPILED_MODEL_VERSION: u32 = 1;

/// Domain separator hashed before the canonical graph bytes.
const MODEL_ID_DOMAIN: &[u8] = b"zkinfer/model-id/v1\0";

/// Domain separator of a model id that covers a proof mode other than plain: hashed before the
/// canonical mode and the canonical graph bytes.
const MODEL_ID_MODE_DOMAIN: &[u8] = b"zkinfer/model-id/v1/mode\0";

/// The blake3 hash of a graph's canonical serialization: names a model everywhere (keys,
/// proofs, contracts). Identical graphs get identical ids; any changed weight, scale or shape
/// changes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub [u8; 32]);

impl ModelId {
    /// Computes the id of a graph proved in plain mode.
    pub fn of(graph: &Graph) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(MODEL_ID_DOMAIN);
        h.update(&canonical_bytes(graph));
        ModelId(*h.finalize().as_bytes())
    }

    /// Computes the id of a graph proved in `mode`: [`ModelId::of`] for plain mode (so plain
    /// models keep their ids), else the blake3 of a separate domain, the canonical mode (JSON,
    /// with the limb width) and the canonical graph. Both JSON values are self-delimiting and
    /// the two domains differ, so no plain id equals a lookup id of the same or another graph
    /// (short of a blake3 collision), and changing the mode or the limb width changes the id.
    pub fn for_mode(graph: &Graph, mode: &ProofMode) -> Self {
        if mode.is_plain() {
            return Self::of(graph);
        }
        let mut h = blake3::Hasher::new();
        h.update(MODEL_ID_MODE_DOMAIN);
        h.update(&canonical_mode_bytes(mode));
        h.update(&canonical_bytes(graph));
        ModelId(*h.finalize().as_bytes())
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex characters (an optional `0x` prefix is accepted).
    pub fn from_hex(s: &str) -> Result<Self, ModelError> {
        let s = s.strip_prefix("0x").unwrap_or(s);
        let bytes = hex::decode(s).map_err(|_| ModelError::BadId {
            text: s.to_string(),
        })?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| ModelError::BadId {
            text: s.to_string(),
        })?;
        Ok(ModelId(arr))
    }
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for ModelId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ModelId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ModelId::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// The canonical serialization: compact JSON of the graph. Every field is an integer, a string,
/// or an ordered list (no maps, no floats), so equal graphs give equal bytes.
#[allow(
    clippy::expect_used,
    reason = "serializing plain integers, strings and Vecs cannot fail"
)]
fn canonical_bytes(graph: &Graph) -> Vec<u8> {
    serde_json::to_vec(graph)
        .expect("a Graph always serializes: it holds only integers, strings and lists")
}

/// The canonical serialization of a proof mode: its compact JSON (integers and fixed strings).
#[allow(
    clippy::expect_used,
    reason = "serializing a unit variant or a struct variant of one integer cannot fail"
)]
fn canonical_mode_bytes(mode: &ProofMode) -> Vec<u8> {
    serde_json::to_vec(mode).expect("a ProofMode always serializes")
}

/// How calibration turned floats into fixed point; recorded with the model for reproducibility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantizeSettings {
    /// Signed bit width of every range-checked intermediate activation (rescaled tensors).
    pub activation_bits: u32,
    /// Signed bit width of the model inputs (range-checked and committed). Narrower than the
    /// activations by default: input precision widens every first-layer accumulator.
    pub input_bits: u32,
    /// Signed bit width of weights and other constants (they cost no constraints, but widen
    /// accumulators and rescale remainders).
    pub weight_bits: u32,
    /// Extra bits kept free above the largest calibration value of each activation.
    pub headroom_bits: u32,
    /// Largest fractional-bit count any tensor may use.
    pub max_scale: i32,
    /// Signed bit width of a function table's input: a table has `2^table_bits + 1` entries
    /// at most (each costs about one constraint), and the input's resolution is set by it.
    /// Absent from files made before tables existed (then the default).
    #[serde(
        default = "default_table_bits",
        skip_serializing_if = "is_default_table_bits"
    )]
    pub table_bits: u32,
}

/// [`QuantizeSettings::table_bits`] by default.
pub const DEFAULT_TABLE_BITS: u32 = 12;

fn default_table_bits() -> u32 {
    DEFAULT_TABLE_BITS
}

fn is_default_table_bits(bits: &u32) -> bool {
    *bits == DEFAULT_TABLE_BITS
}

impl Default for QuantizeSettings {
    fn default() -> Self {
        QuantizeSettings {
            activation_bits: 18,
            input_bits: 12,
            weight_bits: 18,
            headroom_bits: 1,
            max_scale: 24,
            table_bits: DEFAULT_TABLE_BITS,
        }
    }
}

/// Why a compiled model could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read or written.
    #[error("cannot access compiled model {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a compiled model.
    #[error("{path} is not a valid compiled model file")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by another format version.
    #[error("{path} has format version {found}; this zkinfer reads version {supported}: recompile the model with `zkinfer compile`")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The stated id is not the hash of the contents: the file was edited or corrupted.
    #[error("{path} states model id {stated} but its graph hashes to {computed}: the file was modified or corrupted")]
    IdMismatch {
        /// The file.
        path: PathBuf,
        /// Id written in the file.
        stated: ModelId,
        /// Id computed from its graph.
        computed: ModelId,
    },
    /// The graph is inconsistent.
    #[error("{path}: invalid graph")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: IrError,
    },
    /// A model id string is not 32 bytes of hex.
    #[error("`{text}` is not a model id (64 hex characters)")]
    BadId {
        /// The text given.
        text: String,
    },
}

/// A quantized model ready for circuit synthesis: graph, settings, proof mode, and its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompiledModel {
    /// Format version ([`COMPILED_MODEL_VERSION`]).
    pub version: u32,
    /// [`ModelId::for_mode`] of the graph and the proof mode; recomputed and checked on load.
    pub model_id: ModelId,
    /// The settings calibration used.
    pub settings: QuantizeSettings,
    /// How the model is proved. Absent from the file in plain mode, so plain `model.json`
    /// files (and their ids) are those of the format before lookup mode existed.
    #[serde(default, skip_serializing_if = "ProofMode::is_plain")]
    pub proof_mode: ProofMode,
    /// The integer model.
    pub graph: Graph,
}

impl CompiledModel {
    /// Wraps a validated graph in plain mode, computing its id.
    pub fn new(graph: Graph, settings: QuantizeSettings) -> Result<Self, IrError> {
        graph.validate()?;
        Ok(CompiledModel {
            version: COMPILED_MODEL_VERSION,
            model_id: ModelId::of(&graph),
            settings,
            proof_mode: ProofMode::Plain,
            graph,
        })
    }

    /// The same model proved in `mode`, with its id recomputed ([`ModelId::for_mode`]). The
    /// mode is not validated here; [`CompiledModel::from_json`] and circuit synthesis refuse
    /// a limb width outside the supported range ([`ProofMode::validate`]).
    pub fn with_proof_mode(mut self, mode: ProofMode) -> Self {
        self.proof_mode = mode;
        self.model_id = ModelId::for_mode(&self.graph, &mode);
        self
    }

    /// Serializes to compact JSON.
    #[allow(
        clippy::expect_used,
        reason = "serializing plain integers, strings and Vecs cannot fail"
    )]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a CompiledModel always serializes")
    }

    /// Parses and checks a compiled model: version, id (over the graph and the proof mode),
    /// proof mode and graph consistency. `path` is used in error messages.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, ModelError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let v: VersionOnly = serde_json::from_str(text).map_err(|source| ModelError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        if v.version != COMPILED_MODEL_VERSION {
            return Err(ModelError::UnsupportedVersion {
                path: path.to_path_buf(),
                found: v.version,
                supported: COMPILED_MODEL_VERSION,
            });
        }
        let m: CompiledModel = serde_json::from_str(text).map_err(|source| ModelError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        let computed = ModelId::for_mode(&m.graph, &m.proof_mode);
        if computed != m.model_id {
            return Err(ModelError::IdMismatch {
                path: path.to_path_buf(),
                stated: m.model_id,
                computed,
            });
        }
        m.proof_mode
            .validate()
            .and_then(|()| m.graph.validate())
            .map_err(|source| ModelError::Invalid {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(m)
    }

    /// Reads and checks a compiled model file.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// Writes the model atomically (a temporary file with a unique name in the same directory,
    /// then rename), so a crash never leaves a half-written model behind and concurrent saves
    /// of one model never share (and steal each other's) temporary file.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        use std::io::Write as _;
        let io = |source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        };
        let tmp = unique_temporary(path);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(self.to_json().as_bytes()))
            .and_then(|()| std::fs::rename(&tmp, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(io)
    }
}

/// A temporary path next to `path` that no other save uses: the process id, a per-process
/// counter and the clock's nanoseconds make it unique, and `create_new` refuses to reuse one
/// that exists anyway. (The IR stays free of dependencies, so no `tempfile` here.)
fn unique_temporary(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.{nanos}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProofMode;

    fn model(w: i64) -> CompiledModel {
        crate::fixtures::tiny_model(w)
    }

    #[test]
    fn id_is_stable_and_sensitive_to_weights() {
        assert_eq!(model(3).model_id, model(3).model_id);
        assert_ne!(model(3).model_id, model(4).model_id);
    }

    #[test]
    fn round_trips_through_json() {
        let m = model(3);
        let back = CompiledModel::from_json(&m.to_json(), Path::new("m.json")).unwrap();
        assert_eq!(back, m);
        assert_eq!(ModelId::from_hex(&m.model_id.to_hex()).unwrap(), m.model_id);
    }

    #[test]
    fn refuses_edited_files_and_other_versions() {
        let m = model(3);
        let edited = m.to_json().replace("\"weight\":[3,1]", "\"weight\":[5,1]");
        assert!(matches!(
            CompiledModel::from_json(&edited, Path::new("m")),
            Err(ModelError::IdMismatch { .. })
        ));
        let v2 = m.to_json().replacen("\"version\":1", "\"version\":2", 1);
        assert!(matches!(
            CompiledModel::from_json(&v2, Path::new("m")),
            Err(ModelError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            CompiledModel::from_json("{\"version\":1", Path::new("m")),
            Err(ModelError::Json { .. })
        ));
    }

    #[test]
    fn the_id_covers_the_proof_mode_and_plain_files_are_unchanged() {
        let plain = model(3);
        // A plain model's file does not mention the mode and keeps the graph-only id.
        assert!(!plain.to_json().contains("proof_mode"));
        assert_eq!(plain.model_id, ModelId::of(&plain.graph));
        let l8 = plain
            .clone()
            .with_proof_mode(ProofMode::Lookup { limb_bits: 8 });
        let l9 = plain
            .clone()
            .with_proof_mode(ProofMode::Lookup { limb_bits: 9 });
        assert_ne!(l8.model_id, plain.model_id);
        assert_ne!(l8.model_id, l9.model_id);
        assert_eq!(
            l8.clone().with_proof_mode(ProofMode::Plain).model_id,
            plain.model_id
        );
        // Lookup models round-trip and their ids are checked on load.
        let json = l8.to_json();
        assert!(json.contains(r#""proof_mode":{"kind":"lookup","limb_bits":8}"#));
        assert_eq!(CompiledModel::from_json(&json, Path::new("m")).unwrap(), l8);
        let edited = json.replace(r#""limb_bits":8"#, r#""limb_bits":9"#);
        assert!(matches!(
            CompiledModel::from_json(&edited, Path::new("m")),
            Err(ModelError::IdMismatch { .. })
        ));
        // A plain file given a mode (or a lookup file stripped of it) no longer matches its id.
        let stripped = json.replace(r#""proof_mode":{"kind":"lookup","limb_bits":8},"#, "");
        assert!(matches!(
            CompiledModel::from_json(&stripped, Path::new("m")),
            Err(ModelError::IdMismatch { .. })
        ));
        // An unsupported limb width is refused even with a matching id.
        let wide = plain.with_proof_mode(ProofMode::Lookup { limb_bits: 40 });
        assert!(matches!(
            CompiledModel::from_json(&wide.to_json(), Path::new("m")),
            Err(ModelError::Invalid { .. })
        ));
    }

    #[test]
    fn concurrent_saves_of_one_model_do_not_collide() {
        let dir = std::env::temp_dir().join(format!("zkinfer-ir-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.json");
        let m = model(3);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| m.save(&path).unwrap());
            }
        });
        assert_eq!(CompiledModel::load(&path).unwrap(), m);
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary files left behind: {left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
