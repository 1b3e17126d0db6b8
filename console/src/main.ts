import "element-plus/theme-chalk/dark/css-vars.css";
import "element-plus/es/components/message/style/css";
import "element-plus/es/components/message-box/style/css";
import "element-plus/es/components/notification/style/css";
import "./styles/main.css";
import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "./App.vue";
import { setUnauthorizedHandler } from "./api/http";
import { i18n } from "./i18n";
import { router } from "./router";
import { useAuthStore } from "./stores/auth";
import { useLiveStore } from "./stores/live";

const app = createApp(App);
const pinia = createPinia();
app.use(pinia).use(i18n).use(router);

// A 401 anywhere (expired or ended session): back to sign-in, then back to this page.
setUnauthorizedHandler(() => {
  const auth = useAuthStore(pinia);
  if (!auth.user) return;
  auth.forget();
  useLiveStore(pinia).stop();
  const here = router.currentRoute.value;
  if (here.name !== "login")
    void router.push({ name: "login", query: { redirect: here.fullPath, expired: "1" } });
});

app.mount("#app");
