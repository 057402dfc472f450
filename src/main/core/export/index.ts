// Public API of export: models (tfjs, ONNX) checked against the trained one, datasets as class folders,
// and predictions with an exported model.
export { exportEmbeddingHead, exportRun, ONNX_FILE, DEFAULT_CHECK_IMAGES, type ExportRunOptions } from './export-run.js';
export { exportDataset, MANIFEST, type ExportDatasetOptions } from './export-dataset.js';
export { predictWithModelDir } from './predict-model.js';
export { fileModelHandler, serializeLayersModel } from './tfjs-files.js';
export { layersModelToOnnx, onnxInputName, ONNX_INPUT, ONNX_VECTOR_INPUT, ONNX_OUTPUT, ONNX_OPSET } from './onnx-model.js';
export { CHECK_TOLERANCE, compareOn, loadOnnxRuntime, onnxPredictor, tfjsPredictor, type CheckInputs } from './check.js';
export { csvField, csvLines } from './csv.js';
