from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.addendum import Addendum
from ...models.addendum_upload import AddendumUpload
from ...models.problem import Problem
from ...models.transition_problem import TransitionProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    proposal_id: str,
    *,
    body: AddendumUpload,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/proposals/{proposal_id}/addenda".format(
            proposal_id=quote(str(proposal_id), safe=""),
        ),
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Addendum | Problem | TransitionProblem:
    if response.status_code == 201:
        response_201 = Addendum.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = TransitionProblem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Addendum | Problem | TransitionProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
    body: AddendumUpload,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Addendum | Problem | TransitionProblem]:
    """Add a file (`file` part) with a `note` to a submitted proposal (`proposal.addendum_added`).

    Args:
        proposal_id (str):
        idempotency_key (None | str | Unset):
        body (AddendumUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Addendum | Problem | TransitionProblem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
    body: AddendumUpload,
    idempotency_key: None | str | Unset = UNSET,
) -> Addendum | Problem | TransitionProblem | None:
    """Add a file (`file` part) with a `note` to a submitted proposal (`proposal.addendum_added`).

    Args:
        proposal_id (str):
        idempotency_key (None | str | Unset):
        body (AddendumUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Addendum | Problem | TransitionProblem
    """

    return sync_detailed(
        proposal_id=proposal_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
    body: AddendumUpload,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Addendum | Problem | TransitionProblem]:
    """Add a file (`file` part) with a `note` to a submitted proposal (`proposal.addendum_added`).

    Args:
        proposal_id (str):
        idempotency_key (None | str | Unset):
        body (AddendumUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Addendum | Problem | TransitionProblem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
    body: AddendumUpload,
    idempotency_key: None | str | Unset = UNSET,
) -> Addendum | Problem | TransitionProblem | None:
    """Add a file (`file` part) with a `note` to a submitted proposal (`proposal.addendum_added`).

    Args:
        proposal_id (str):
        idempotency_key (None | str | Unset):
        body (AddendumUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Addendum | Problem | TransitionProblem
    """

    return (
        await asyncio_detailed(
            proposal_id=proposal_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
