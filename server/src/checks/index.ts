/**
 * The registry of checks, one module per diagnostic code (§4). To add a check: write
 * `checks/<code>.ts` with `defineCheck`, add it here, add a test in test/unit/checks/checks.test.ts.
 */
import authPassTruncated from './auth-pass-truncated.js';
import authWithVrrp3 from './auth-with-vrrp3.js';
import duplicateAddress from './duplicate-address.js';
import duplicateHost from './duplicate-host.js';
import duplicateName from './duplicate-name.js';
import duplicateRoot from './duplicate-root.js';
import duplicateStatement from './duplicate-statement.js';
import failoverImpossible from './failover-impossible.js';
import invalidValue from './invalid-value.js';
import lineTooLong from './line-too-long.js';
import missingArgument from './missing-argument.js';
import missingRequired from './missing-required.js';
import multipleDefaults from './multiple-defaults.js';
import multiplePrimaries from './multiple-primaries.js';
import noPrimary from './no-primary.js';
import plaintextSecret from './plaintext-secret.js';
import portConflict from './port-conflict.js';
import priorityOrder from './priority-order.js';
import routerIdConflict from './router-id-conflict.js';
import singleUpstream from './single-upstream.js';
import slowLinkFailover from './slow-link-failover.js';
import subsecondAdvertNeedsVrrp3 from './subsecond-advert-needs-vrrp3.js';
import syntaxError from './syntax-error.js';
import tooFewLbs from './too-few-lbs.js';
import tooManyArguments from './too-many-arguments.js';
import unknownKeyword from './unknown-keyword.js';
import unknownReference from './unknown-reference.js';
import unusedUpstream from './unused-upstream.js';
import unusedVip from './unused-vip.js';
import vipConflict from './vip-conflict.js';
import vipOutsideSubnet from './vip-outside-subnet.js';
import weakCredentials from './weak-credentials.js';
import type { Check } from './types.js';

export const CHECKS: readonly Check[] = [
  syntaxError, unknownKeyword, missingArgument, tooManyArguments, invalidValue, missingRequired,
  duplicateName, duplicateAddress, unknownReference, tooFewLbs, noPrimary, multiplePrimaries,
  priorityOrder, vipOutsideSubnet, vipConflict, routerIdConflict, duplicateHost, portConflict,
  failoverImpossible, authWithVrrp3, subsecondAdvertNeedsVrrp3, multipleDefaults,
  authPassTruncated, plaintextSecret, weakCredentials, singleUpstream, duplicateStatement,
  unusedUpstream, unusedVip, duplicateRoot, lineTooLong, slowLinkFailover,
];
