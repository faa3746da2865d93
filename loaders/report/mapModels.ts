// Which stored CNN each dataset's test-set map is drawn from (its last hidden layer); apart from testMap.ts
// so that the site's configuration can list the maps without loading TensorFlow.js.
export const MAP_MODELS: Record<string, string> = { mnist: "cnn-strong", "fashion-mnist": "fashion-cnn" };
