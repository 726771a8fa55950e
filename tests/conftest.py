"""Shared fixtures: chains (embedded eth-tester and a real anvil) with the contracts deployed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from anchor import Chain, CredentialAnchorClient, CredentialNFTClient, Deployment, IssuerRegistryClient
from anchor.chain.deployment import deploy_contracts
from anchor.chain.devchain import AnvilProcess

CHAIN_KINDS = ("eth-tester", "anvil")


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilProcess]:
    """One anvil process for the whole session (fails, not skips, when anvil is missing)."""
    process = AnvilProcess()
    yield process
    process.stop()


@dataclass
class DeployedChain:
    chain: Chain
    deployment: Deployment

    @property
    def kind(self) -> str:
        return "eth-tester" if self.chain.description.startswith("embedded") else "anvil"


@pytest.fixture(scope="session", params=CHAIN_KINDS)
def deployed_chain(request: pytest.FixtureRequest) -> DeployedChain:
    chain = Chain.embedded() if request.param == "eth-tester" else request.getfixturevalue("anvil").chain
    return DeployedChain(chain, deploy_contracts(chain, deployer=chain.accounts[0]))


@dataclass
class ContractEnv:
    """A deployed chain and named accounts; state is rolled back after each test."""

    chain: Chain
    kind: str
    deployment: Deployment
    registry: IssuerRegistryClient
    anchor: CredentialAnchorClient
    nft: CredentialNFTClient
    admin: str
    body: str
    other_body: str
    issuer: str
    other_issuer: str
    learner: str
    other_learner: str
    outsider: str


@pytest.fixture
def env(deployed_chain: DeployedChain) -> Iterator[ContractEnv]:
    chain, deployment = deployed_chain.chain, deployed_chain.deployment
    accounts = chain.accounts
    snapshot = chain.snapshot()
    yield ContractEnv(
        chain=chain,
        kind=deployed_chain.kind,
        deployment=deployment,
        registry=deployment.registry(chain),
        anchor=deployment.anchor(chain),
        nft=deployment.nft(chain),
        admin=accounts[0],
        body=accounts[1],
        other_body=accounts[2],
        issuer=accounts[3],
        other_issuer=accounts[4],
        learner=accounts[5],
        other_learner=accounts[6],
        outsider=accounts[7],
    )
    chain.revert(snapshot)
