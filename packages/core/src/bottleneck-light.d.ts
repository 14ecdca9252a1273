// Bottleneck's build without clustering (lazy.ts): the same module as 'bottleneck' without the Redis
// datastore, which its package types only under its main name.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
