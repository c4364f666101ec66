// Every Hardhat task of the project is registered by importing its file here.
// Tasks are thin: parse arguments, call src/, print. They must not import typechain-types at load
// time (the types do not exist before the first compile).
import "./deploy";
import "./action-cid";
import "./keys-route-dev";
import "./pkp-mint";
import "./pkp-permissions";
import "./pkp-info";
import "./demo";
import "./network";
import "./pkp-sign";
import "./pkp-send";
import "./action";
import "./proof";
import "./encryption";
