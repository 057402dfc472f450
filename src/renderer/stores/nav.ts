// Which view is open, and the hand-offs between views (a run to evaluate, a confusion cell to label).
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type ViewName = 'datasets' | 'tolabel' | 'labeller' | 'map' | 'train' | 'audit' | 'runs' | 'evaluate' | 'predict';

export const useNavStore = defineStore('nav', () => {
  const view = ref<ViewName>('datasets');
  /** The run the Evaluate and Predict views show; the labeller's model column too when chosen there. */
  const runId = ref<number | null>(null);

  function go(next: ViewName, run?: number): void {
    if (run !== undefined) runId.value = run;
    view.value = next;
  }

  return { view, runId, go };
});
