export { isLoopbackHost, isLoopbackAddress } from "./loopback.js";
export { TrustedNetworks, parseCidr } from "./trusted-networks.js";
