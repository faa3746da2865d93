// The page's TensorFlow.js: what the @tensorflow/tfjs package exports, in its import order, less the
// graph-model converter and tf.data, which no page uses. The order matters in the page: Framework bundles
// each deep import of tfjs-core (the gradients, the tensor methods) with its own copy of core's internals,
// and the first to run sets up the engine the others share, as in the package's own entry.
import "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
