//! Protobuf wire-format reader shared by the ONNX and SavedModel readers. OWNER: formats.
