import { t as require_src } from "./src-Chz3fP6J.js";

export default require_src();

export {  };