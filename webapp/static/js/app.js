// Loaded on every page.
import { localizeTimes } from "./time.js";

localizeTimes();
