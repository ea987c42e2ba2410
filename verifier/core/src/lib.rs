//! zkinfer's verifier side: artifact formats, the public-input layout, the native input
//! commitment, and Groth16 verification returning a [`Verdict`].
//!
//! Small on purpose: a requester verifies with this crate alone (no prover, no circuit code).
//! The prover depends on it for the formats, and checks every proof it makes with [`verify`].

mod commitment;
mod error;
mod header;
mod keys;
mod layout;
mod mode;
mod proof;
mod public;
pub mod snarkjs;
mod verify;

pub use commitment::{commit_input, pack_positions, poseidon_params};
pub use error::{FormatError, VerifyError};
pub use header::{
    ArtifactKind, Header, MAGIC, PROVING_KEY_VERSION, PROVING_KEY_VERSION_ODD_COSET,
    SYSTEM_GROTH16_BN254, SYSTEM_GROTH16_BN254_LOOKUP, VERIFYING_KEY_VERSION,
};
pub use keys::{CeremonyRecord, ContributionRecord, KeyProvenance, VerifyingKeyFile};
pub use layout::{
    PublicLayout, BINDING_DROP_BITS, BINDING_INDEX, BINDING_SCHEME, INPUT_COMMITMENT_INDEX,
    OUTPUTS_OFFSET, PACK_BITS,
};
pub use mode::{challenge, g1_words, ProofMode, Round1Key};
pub use proof::{address_from_hex, fr_from_hex, fr_to_hex, ProofFile, PROOF_SYSTEM, PROOF_VERSION};
pub use public::{binding, unpack_outputs, PublicInputs};
pub use verify::{verify, verify_two_round, Rejection, Verdict};

/// The pairing-friendly curve of the proof system.
pub type Curve = ark_bn254::Bn254;
/// The BN254 scalar field.
pub type Fr = ark_bn254::Fr;
/// A 32-byte blake3 model id (see `zkinfer_ir::ModelId`).
pub type ModelDigest = [u8; 32];
