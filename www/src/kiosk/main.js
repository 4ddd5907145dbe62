import { createApp } from 'vue';
import Kiosk from './Kiosk.vue';
import { installI18n } from '../lib/vue-i18n.js';
import '../styles/base.css';
import '../styles/kiosk.css';

const app = createApp(Kiosk);
installI18n(app);
app.mount('#app');
