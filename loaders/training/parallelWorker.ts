// A replica thread of loaders/training/parallel.ts: builds the same model on its own tfjs backend, starts from
// replica 0's weights, and on each "step" computes the gradient of its part of the batch into shared
// memory; on "apply" it applies the averaged gradient that replica 0 wrote.
import { parentPort, workerData } from "node:worker_threads";
import { initTf } from "../engine/backend.ts";
import { buildModel } from "./models.ts";
import { Replica, type FromWorker, type ToWorker, type WorkerSetup } from "./parallel.ts";
import type { Experiment } from "../spec/schema.ts";

const setup = workerData as WorkerSetup;
const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

try {
  const tf = await initTf(setup.backend);
  const model = buildModel(tf, setup.spec as unknown as Experiment, setup.numClasses);
  const current = model.getWeights();
  if (current.length !== setup.weights.length) throw new Error(`replica has ${current.length} weights, replica 0 has ${setup.weights.length}`);
  const start = current.map((w, i) => tf.tensor(setup.weights[i], w.shape));
  model.setWeights(start);
  tf.dispose(start);
  const replica = new Replica(tf, model);
  const input = new Float32Array(setup.input);
  const labels = new Float32Array(setup.labels);
  const grads = new Float32Array(setup.grads);
  const average = new Float32Array(setup.average);
  port.on("message", (message: ToWorker) => {
    try {
      if (message.type === "step") {
        // Private copies, so replica 0 may refill the shared buffers for the next step at once.
        const started = performance.now();
        const { loss, correct } = replica.gradients(input.slice(0, message.n * 784), labels.slice(0, message.n), message.n, grads);
        send({ type: "grads", loss, correct, seconds: (performance.now() - started) / 1000 });
      } else if (message.type === "apply") {
        replica.apply(average, message.learningRate);
        send({ type: "applied" });
      } else if (message.type === "weights") {
        send({ type: "weights", weights: model.getWeights().map((w) => w.dataSync().slice() as Float32Array) });
      }
    } catch (error) {
      send({ type: "error", message: (error as Error).stack ?? String(error) });
    }
  });
  send({ type: "ready", gradientSize: replica.gradientSize });
} catch (error) {
  send({ type: "error", message: (error as Error).stack ?? String(error) });
}
