// The workspace folder and the training engine, for the status bar.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { WorkspaceInfo } from '../../shared/domain.js';
import { api } from '../api/index.js';

export const useWorkspaceStore = defineStore('workspace', () => {
  const info = ref<WorkspaceInfo | null>(null);
  const engine = ref<string>('engine: loading');

  async function load(): Promise<void> {
    info.value = await api().call('workspace/info', {});
  }

  /** The engine loads tfjs on first use; the status bar says "loading" until it answers. */
  function loadEngine(): void {
    api()
      .call('engine/info', {})
      .then((e) => (engine.value = `engine: ${e.backend} · ${e.threads} thread${e.threads === 1 ? '' : 's'}`))
      .catch(() => (engine.value = 'engine: unavailable'));
  }

  return { info, engine, load, loadEngine };
});
