//! Red-teaming of ML models: evasion (white-box and black-box), membership inference, model
//! extraction, fairness and explanation audits.
//!
//! Every attack talks to the model under test through the traits in [`model`], so the same code
//! runs against a native ONNX graph, a tree ensemble, or a remote inference endpoint.

// Numeric kernels index several arrays in lockstep; iterator zips would obscure them.
#![allow(clippy::needless_range_loop)]

pub mod dataset;
pub mod evasion;
pub mod explain;
pub mod extraction;
pub mod fairness;
pub mod findings;
pub mod hsj;
pub mod mia;
pub mod model;
pub mod onnx;
pub mod query;
pub mod remote;
pub mod report;
pub mod rng;
pub mod square;
pub mod strip;
pub mod surrogate;
pub mod whitebox;

#[cfg(test)]
mod testutil;
