//! Model input files (EZKL's JSON layout) and the float ↔ fixed-point conversions at the edges.

use serde::{Deserialize, Serialize};

/// Why an input or calibration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file is not the expected JSON.
    #[error("input data is not valid JSON of the form {{\"input_data\": [[...], ...]}}: {0}")]
    Json(#[from] serde_json::Error),
    /// The file spells a non-finite number (`NaN`, `Infinity`), which inputs may not hold.
    #[error("input data contains `{word}`: inputs must be finite numbers ({source})")]
    NonFiniteLiteral {
        /// The offending word as found (lower-cased).
        word: &'static str,
        /// The JSON parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// Wrong number of input lists.
    #[error("the model has {expected} input(s), the file gives {found} list(s) in `input_data`")]
    Count {
        /// Inputs of the model.
        expected: usize,
        /// Lists in the file.
        found: usize,
    },
    /// An input list has the wrong length.
    #[error("input {input}: expected {expected} values (shape {shape:?}), got {found}")]
    Length {
        /// Input index.
        input: usize,
        /// Values the shape needs (or a multiple of it, for calibration data).
        expected: usize,
        /// Shape of the input.
        shape: Vec<usize>,
        /// Values present.
        found: usize,
    },
    /// Calibration lists hold different numbers of samples.
    #[error("calibration inputs hold different sample counts: {counts:?}")]
    SampleCounts {
        /// Samples per input list.
        counts: Vec<usize>,
    },
    /// NaN or infinity.
    #[error("input {input}, value {index}: {value} is not a finite number")]
    NotFinite {
        /// Input index.
        input: usize,
        /// Flat index of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A value too large for the input's quantized range.
    #[error("input {input}, value {index}: {value} quantizes to {quantized}, outside the model's input range [{min}, {max}] (i.e. about ±{limit})")]
    OutOfRange {
        /// Input index.
        input: usize,
        /// Flat index of the value.
        index: usize,
        /// The float value.
        value: f64,
        /// Its quantization.
        quantized: f64,
        /// Smallest allowed quantized value.
        min: i64,
        /// Largest allowed quantized value.
        max: i64,
        /// The float magnitude that corresponds to the range.
        limit: f64,
    },
}

/// EZKL's input layout: `{"input_data": [[x0, x1, ...], ...]}`, one flat row-major list per model
/// input. In a calibration file each list holds N samples concatenated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputData {
    /// One flat list per model input.
    pub input_data: Vec<Vec<f64>>,
}

impl InputData {
    /// Parses the JSON text of an input or calibration file. JSON has no NaN or infinity;
    /// the common non-standard spellings get a message that says so.
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        serde_json::from_str(text).map_err(|e| {
            let lowered = text.to_ascii_lowercase();
            match ["nan", "infinity", "inf"]
                .into_iter()
                .find(|w| lowered.contains(w))
            {
                Some(word) => InputError::NonFiniteLiteral { word, source: e },
                None => InputError::Json(e),
            }
        })
    }

    /// Checks this is exactly one sample for inputs of the given sizes.
    pub fn single(&self, shapes: &[Vec<usize>]) -> Result<Vec<Vec<f64>>, InputError> {
        self.check_count(shapes.len())?;
        for (i, (list, shape)) in self.input_data.iter().zip(shapes).enumerate() {
            let expected = crate::checked_len(shape).unwrap_or(usize::MAX);
            if list.len() != expected {
                return Err(InputError::Length {
                    input: i,
                    expected,
                    shape: shape.clone(),
                    found: list.len(),
                });
            }
            check_finite(i, list)?;
        }
        Ok(self.input_data.clone())
    }

    /// Splits concatenated calibration lists into samples: `result[sample][input]`.
    pub fn samples(&self, shapes: &[Vec<usize>]) -> Result<Vec<Vec<Vec<f64>>>, InputError> {
        self.check_count(shapes.len())?;
        let mut counts = Vec::new();
        for (i, (list, shape)) in self.input_data.iter().zip(shapes).enumerate() {
            let size = crate::checked_len(shape).unwrap_or(usize::MAX);
            if size == 0 || list.is_empty() || list.len() % size != 0 {
                return Err(InputError::Length {
                    input: i,
                    expected: size,
                    shape: shape.clone(),
                    found: list.len(),
                });
            }
            check_finite(i, list)?;
            counts.push(list.len() / size);
        }
        if counts.windows(2).any(|w| w[0] != w[1]) {
            return Err(InputError::SampleCounts { counts });
        }
        let n = counts.first().copied().unwrap_or(0);
        Ok((0..n)
            .map(|s| {
                self.input_data
                    .iter()
                    .zip(shapes)
                    .map(|(list, shape)| {
                        let size: usize = shape.iter().product();
                        list[s * size..(s + 1) * size].to_vec()
                    })
                    .collect()
            })
            .collect())
    }

    fn check_count(&self, expected: usize) -> Result<(), InputError> {
        if self.input_data.len() != expected {
            return Err(InputError::Count {
                expected,
                found: self.input_data.len(),
            });
        }
        Ok(())
    }
}

fn check_finite(input: usize, list: &[f64]) -> Result<(), InputError> {
    match list.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(InputError::NotFinite {
            input,
            index,
            value: list[index],
        }),
        None => Ok(()),
    }
}

/// Quantizes floats to `round(x · 2^scale)` (halves away from zero), refusing NaN, infinities
/// and values outside `[−2^(bits−1), 2^(bits−1) − 1]`. `input` names the input in errors.
pub fn quantize(
    input: usize,
    values: &[f64],
    scale: i32,
    bits: u32,
) -> Result<Vec<i64>, InputError> {
    check_finite(input, values)?;
    let half = 1i64 << (bits - 1);
    let (min, max) = (-half, half - 1);
    let factor = (2f64).powi(scale);
    values
        .iter()
        .enumerate()
        .map(|(index, &value)| {
            let q = (value * factor).round();
            if q < min as f64 || q > max as f64 {
                Err(InputError::OutOfRange {
                    input,
                    index,
                    value,
                    quantized: q,
                    min,
                    max,
                    limit: half as f64 / factor,
                })
            } else {
                Ok(q as i64)
            }
        })
        .collect()
}

/// The real number a fixed-point value stands for: `q / 2^scale`.
pub fn dequantize(q: i64, scale: i32) -> f64 {
    q as f64 / (2f64).powi(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantizes_and_round_trips() {
        let q = quantize(0, &[0.5, -0.25, 1.0 / 3.0], 8, 16).unwrap();
        assert_eq!(q, vec![128, -64, 85]);
        assert!((dequantize(85, 8) - 1.0 / 3.0).abs() < 1.0 / 256.0);
    }

    #[test]
    fn refuses_nan_inf_and_out_of_range() {
        assert!(matches!(
            quantize(0, &[f64::NAN], 4, 8),
            Err(InputError::NotFinite { .. })
        ));
        assert!(matches!(
            quantize(0, &[f64::INFINITY], 4, 8),
            Err(InputError::NotFinite { .. })
        ));
        let e = quantize(1, &[0.0, 9.0], 4, 8).unwrap_err();
        assert!(e.to_string().contains("input 1, value 1"), "{e}");
    }

    #[test]
    fn splits_calibration_samples() {
        let d = InputData::from_json(r#"{"input_data": [[1, 2, 3, 4, 5, 6]]}"#).unwrap();
        let s = d.samples(&[vec![1, 2]]).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[2][0], vec![5.0, 6.0]);
        assert!(d.samples(&[vec![4]]).is_err());
        assert!(d.single(&[vec![1, 2]]).is_err());
    }

    #[test]
    fn parse_errors_are_errors() {
        let e = InputData::from_json("{\"input_data\": [[1, NaN]]}").unwrap_err();
        assert!(e.to_string().contains("finite"), "{e}");
        assert!(InputData::from_json("{\"input_data\": [[1, \"x\"]]}").is_err());
        assert!(InputData::from_json("[").is_err());
    }
}
