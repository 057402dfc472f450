// A StepTrainer that trains one replica in the calling thread.
import { Replica } from './replica.js';
import type { BatchResult, Engine, EngineInfo, StepTrainer, TrainerSpec, WeightSet } from './types.js';

export class LocalStepTrainer implements StepTrainer {
  private disposed = false;

  private constructor(private readonly engine: Engine, private readonly replica: Replica) {}

  static async create(engine: Engine, spec: TrainerSpec): Promise<LocalStepTrainer> {
    await activateBackend(engine);
    const replica = await Replica.create(engine.tf, spec.modelJson, spec.optimizer, spec.initialWeights);
    return new LocalStepTrainer(engine, replica);
  }

  get info(): EngineInfo {
    return this.engine.info;
  }

  /** Another engine loaded later in this process may have switched tfjs' global backend. */
  private async ready(): Promise<Replica> {
    if (this.disposed) throw new Error('This trainer was disposed.');
    await activateBackend(this.engine);
    return this.replica;
  }

  async trainBatch(x: Float32Array, y: Int32Array, n: number): Promise<BatchResult> {
    return (await this.ready()).trainBatch(x, y, n);
  }

  async predictBatch(x: Float32Array, n: number): Promise<Float32Array> {
    return (await this.ready()).predictBatch(x, n);
  }

  async getWeights(): Promise<WeightSet> {
    return (await this.ready()).getWeights();
  }

  async setWeights(w: WeightSet): Promise<void> {
    (await this.ready()).setWeights(w);
  }

  async getOptimizerState(): Promise<WeightSet> {
    return (await this.ready()).getOptimizerState();
  }

  async setOptimizerState(state: WeightSet): Promise<void> {
    await (await this.ready()).setOptimizerState(state);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await activateBackend(this.engine);
    this.replica.dispose();
    this.disposed = true;
  }
}

const BACKEND_NAMES = { tensorflow: 'tensorflow', wasm: 'wasm', cpu: 'cpu' } as const;

async function activateBackend({ tf, info }: Engine): Promise<void> {
  const name = BACKEND_NAMES[info.backend];
  if (tf.getBackend() !== name) await tf.setBackend(name);
}
