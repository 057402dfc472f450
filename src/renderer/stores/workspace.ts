// The workspace folder and the training engine, for the status bar.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { WorkspaceInfo } from '../../shared/domain.js';
import { api } from '../api/index.js';

export const useWorkspaceStore = defineStore('workspace', () => {
  const info = ref<WorkspaceInfo | null>(null);
  const engine = ref<string>('engine: loading');
  /** Why this engine (e.g. the native one is not installed, or installed and failing to load). */
  const engineReason = ref<string>('');

  async function load(): Promise<void> {
    info.value = await api().call('workspace/info', {});
  }

  /** The engine loads tfjs on first use; the status bar says "loading" until it answers. */
  function loadEngine(): void {
    api()
      .call('engine/info', {})
      .then((e) => {
        const fallback = e.backend === 'tensorflow' ? '' : ' (fallback)';
        engine.value = `engine: ${e.backend}${fallback} · ${e.threads} thread${e.threads === 1 ? '' : 's'}`;
        engineReason.value = [e.reason, e.nativeHint, e.warning].filter(Boolean).join(' ');
      })
      .catch((error: unknown) => {
        engine.value = 'engine: unavailable';
        engineReason.value = error instanceof Error ? error.message : String(error);
      });
  }

  return { info, engine, engineReason, load, loadEngine };
});
