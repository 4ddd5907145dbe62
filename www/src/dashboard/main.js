import { createApp } from 'vue';
import App from './App.vue';
import { installI18n } from '../lib/vue-i18n.js';
import '../styles/base.css';
import '../styles/dashboard.css';
import '../styles/desk.css';

const app = createApp(App);
installI18n(app);
app.mount('#app');
