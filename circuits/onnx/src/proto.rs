//! Reading the ONNX protobuf (through tract-onnx's generated types) and decoding its constants.

use std::collections::HashMap;
use std::path::Path;

use tract_onnx::pb::{self, tensor_proto::DataType, AttributeProto, NodeProto, TensorProto};
use tract_onnx::prelude::Framework;

use crate::ImportError;

/// A constant tensor (initializer or `Constant` output) as `f64` values.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstTensor {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f64>,
}

impl ConstTensor {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Reads and decodes an ONNX file, loading tensors stored as external data (torch's default
/// export writes its weights to `model.onnx.data` beside the graph) from files in the model's
/// own directory.
pub fn read_model(path: &Path) -> Result<pb::ModelProto, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut model = decode_model(&bytes, path)?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut files = HashMap::new();
    if let Some(graph) = model.graph.as_mut() {
        for t in &mut graph.initializer {
            load_external(t, dir, &mut files)?;
        }
    }
    Ok(model)
}

/// Replaces an external tensor's reference (`location`, `offset`, `length`) by its bytes. The
/// location must be a plain relative path inside `dir` (no `..`, no absolute path), and the
/// byte range must lie inside that file.
fn load_external(
    t: &mut TensorProto,
    dir: &Path,
    files: &mut HashMap<String, Vec<u8>>,
) -> Result<(), ImportError> {
    if t.data_location != Some(pb::tensor_proto::DataLocation::External as i32) {
        return Ok(());
    }
    let bad = |detail: String| ImportError::BadTensor {
        name: t.name.clone(),
        detail,
    };
    let entry = |key: &str| {
        t.external_data
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.clone())
    };
    let location =
        entry("location").ok_or_else(|| bad("external data without a location".into()))?;
    let rel = Path::new(&location);
    if location.is_empty()
        || !rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return Err(bad(format!(
            "external data location `{location}` must be a relative path inside the model's directory"
        )));
    }
    let number = |key: &str| -> Result<Option<u64>, ImportError> {
        entry(key)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| bad(format!("external data {key} `{v}` is not a number")))
            })
            .transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    if !files.contains_key(&location) {
        let file = dir.join(rel);
        let bytes =
            std::fs::read(&file).map_err(|source| ImportError::Read { path: file, source })?;
        files.insert(location.clone(), bytes);
    }
    let bytes = &files[&location];
    let size = bytes.len() as u64;
    let length = number("length")?.unwrap_or(size.saturating_sub(offset));
    let end = offset.checked_add(length).filter(|&e| e <= size).ok_or_else(|| {
        bad(format!(
            "external data bytes {offset}..{offset}+{length} lie outside `{location}` ({size} bytes)"
        ))
    })?;
    t.raw_data = bytes[offset as usize..end as usize].to_vec();
    t.external_data.clear();
    t.data_location = Some(pb::tensor_proto::DataLocation::Default as i32);
    Ok(())
}

/// Decodes ONNX bytes; `path` names them in errors.
pub fn decode_model(bytes: &[u8], path: &Path) -> Result<pb::ModelProto, ImportError> {
    let model = tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| ImportError::Decode {
            path: path.to_path_buf(),
            detail: format!("{e:#}"),
        })?;
    if model.graph.is_none() {
        return Err(ImportError::Decode {
            path: path.to_path_buf(),
            detail: "the file holds no graph".into(),
        });
    }
    Ok(model)
}

/// The opset version a model imports for a domain (`""` and `ai.onnx` are the default domain).
pub fn opset_of(model: &pb::ModelProto, domain: &str) -> i64 {
    let norm = |d: &str| {
        if d == "ai.onnx" {
            String::new()
        } else {
            d.to_string()
        }
    };
    model
        .opset_import
        .iter()
        .find(|o| norm(&o.domain) == norm(domain))
        .map(|o| o.version)
        .unwrap_or(0)
}

/// Decodes a float, double, int32 or int64 tensor into `f64`s.
pub fn decode_tensor(t: &TensorProto) -> Result<ConstTensor, ImportError> {
    let bad = |detail: String| ImportError::BadTensor {
        name: t.name.clone(),
        detail,
    };
    let shape = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if t.data_location == Some(pb::tensor_proto::DataLocation::External as i32) {
        return Err(bad(
            "external tensor data can only be read from a file (next to the .onnx); embed the \
             weights to send the model as bytes"
                .into(),
        ));
    }
    let raw = &t.raw_data;
    let data: Vec<f64> = match DataType::try_from(t.data_type) {
        Ok(DataType::Float) if !raw.is_empty() => le_chunks::<4>(raw)
            .map(|b| f32::from_le_bytes(b) as f64)
            .collect(),
        Ok(DataType::Float) => t.float_data.iter().map(|&v| v as f64).collect(),
        Ok(DataType::Double) if !raw.is_empty() => {
            le_chunks::<8>(raw).map(f64::from_le_bytes).collect()
        }
        Ok(DataType::Double) => t.double_data.clone(),
        Ok(DataType::Int64) if !raw.is_empty() => le_chunks::<8>(raw)
            .map(|b| i64::from_le_bytes(b) as f64)
            .collect(),
        Ok(DataType::Int64) => t.int64_data.iter().map(|&v| v as f64).collect(),
        Ok(DataType::Int32) if !raw.is_empty() => le_chunks::<4>(raw)
            .map(|b| i32::from_le_bytes(b) as f64)
            .collect(),
        Ok(DataType::Int32) => t.int32_data.iter().map(|&v| v as f64).collect(),
        other => {
            return Err(bad(format!(
                "data type {other:?} is not supported (float, double, int32, int64 are)"
            )))
        }
    };
    let expected = zkinfer_ir::checked_len(&shape)
        .ok_or_else(|| bad(format!("the element count of shape {shape:?} overflows")))?;
    if data.len() != expected {
        return Err(bad(format!(
            "shape {shape:?} needs {expected} values, the tensor holds {}",
            data.len()
        )));
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "value {i} is {}, not a finite number",
            data[i]
        )));
    }
    Ok(ConstTensor { shape, data })
}

fn le_chunks<const N: usize>(raw: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
    raw.chunks_exact(N).map(|c| {
        let mut b = [0u8; N];
        b.copy_from_slice(c);
        b
    })
}

/// Attribute access for one node.
pub struct Attributes<'a> {
    node: &'a NodeProto,
    by_name: HashMap<&'a str, &'a AttributeProto>,
}

impl<'a> Attributes<'a> {
    /// Indexes a node's attributes.
    pub fn new(node: &'a NodeProto) -> Self {
        Attributes {
            node,
            by_name: node
                .attribute
                .iter()
                .map(|a| (a.name.as_str(), a))
                .collect(),
        }
    }

    /// The names of all attributes present.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.node.attribute.iter().map(|a| a.name.as_str())
    }

    /// An integer attribute.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.by_name.get(name).map(|a| a.i)
    }

    /// A float attribute.
    pub fn float(&self, name: &str) -> Option<f32> {
        self.by_name.get(name).map(|a| a.f)
    }

    /// An integer-list attribute.
    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.by_name.get(name).map(|a| a.ints.clone())
    }

    /// A string attribute (lossy UTF-8).
    pub fn string(&self, name: &str) -> Option<String> {
        self.by_name
            .get(name)
            .map(|a| String::from_utf8_lossy(&a.s).into_owned())
    }

    /// A string-list attribute (lossy UTF-8), e.g. a recurrent op's `activations`.
    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.by_name.get(name).map(|a| {
            a.strings
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
    }

    /// A tensor attribute (the `value` of a `Constant` node).
    pub fn tensor(&self, name: &str) -> Option<&'a TensorProto> {
        self.by_name.get(name).and_then(|a| a.t.as_ref())
    }
}
