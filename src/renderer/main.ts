// Renderer entry: pick the api (Electron bridge or browser client), then mount the app.
import './zod-setup.js';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { installApi } from './api/index.js';
import './styles.css';

installApi();
createApp(App).use(createPinia()).mount('#app');
