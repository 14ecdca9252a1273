import { i as prepareDataDir, n as migrate, r as openStore, t as lockDataDir } from "./store-C_V2SQsY.js";

export { migrate };